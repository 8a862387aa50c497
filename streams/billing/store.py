"""The workspaces' Stripe customers and the ledger rows still to report, in PostgreSQL
(``schemas/postgres/0025``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

REPORTABLE_DAYS = 34  # Stripe takes meter events of the past 35 days


@dataclass(frozen=True)
class Customer:
    tenant_id: str
    customer_id: str
    subscription_id: str | None
    subscription_status: str | None

    def as_json(self) -> dict:
        return {
            "customer_id": self.customer_id,
            "subscription": {"id": self.subscription_id, "status": self.subscription_status},
        }


@dataclass(frozen=True)
class Unreported:
    tenant_id: str
    kind: str
    subject: str
    quantity: float
    recorded_at: datetime
    customer_id: str


async def customer(conn: asyncpg.Connection, tenant_id: str) -> Customer | None:
    row = await conn.fetchrow(
        "SELECT tenant_id, customer_id, subscription_id, subscription_status FROM billing_customers"
        " WHERE tenant_id = $1",
        tenant_id,
    )
    return None if row is None else Customer(**dict(row))


async def customers(conn: asyncpg.Connection) -> list[Customer]:
    """Every workspace's customer (the owner's: reconciliation)."""
    rows = await conn.fetch(
        "SELECT tenant_id, customer_id, subscription_id, subscription_status FROM billing_customers ORDER BY tenant_id"
    )
    return [Customer(**dict(r)) for r in rows]


async def save_customer(conn: asyncpg.Connection, tenant_id: str, customer_id: str, session_id: str | None) -> None:
    await conn.execute(
        "INSERT INTO billing_customers (tenant_id, customer_id, checkout_session_id) VALUES ($1, $2, $3)"
        " ON CONFLICT (tenant_id) DO UPDATE SET checkout_session_id = coalesce(EXCLUDED.checkout_session_id,"
        " billing_customers.checkout_session_id), updated_at = now()",
        tenant_id,
        customer_id,
        session_id,
    )


async def record_subscription(
    conn: asyncpg.Connection, customer_id: str, subscription: str | None, status: str, at: datetime
) -> str | None:
    """The subscription state a Stripe webhook carries, made at ``at`` (the event's ``created``);
    the workspace it changed. None: no workspace has the customer, or the state recorded is newer
    (Stripe sends its events in no set order and again for days: ``schemas/postgres/0027``)."""
    return await conn.fetchval("SELECT record_subscription($1, $2, $3, $4)", customer_id, subscription, status, at)


async def claim_unreported(conn: asyncpg.Connection) -> Unreported | None:
    """One ledger row of source seconds of a workspace with a customer, not yet reported, locked
    (``SKIP LOCKED``: workers share the rows) in the caller's transaction."""
    row = await conn.fetchrow(
        f"""
        SELECT r.tenant_id, r.kind, r.subject, r.quantity, r.recorded_at, c.customer_id
        FROM usage_records r JOIN billing_customers c USING (tenant_id)
        WHERE r.reported_at IS NULL AND r.kind = 'source_seconds'
          AND r.recorded_at > now() - interval '{REPORTABLE_DAYS} days'
        ORDER BY r.recorded_at
        FOR UPDATE OF r SKIP LOCKED LIMIT 1
        """
    )
    return None if row is None else Unreported(**dict(row))


async def mark(conn: asyncpg.Connection, row: Unreported, error: str | None) -> None:
    """The row reported (``error`` None), or one more failed try with its reason."""
    await conn.execute(
        "UPDATE usage_records SET report_attempts = report_attempts + 1,"
        " reported_at = CASE WHEN $4::text IS NULL THEN now() END, report_error = $4"
        " WHERE tenant_id = $1 AND kind = $2 AND subject = $3",
        row.tenant_id,
        row.kind,
        row.subject,
        error,
    )


async def reported_seconds(conn: asyncpg.Connection, tenant_id: str, start: datetime, end: datetime) -> float:
    return float(
        await conn.fetchval(
            "SELECT coalesce(sum(round(quantity)), 0) FROM usage_records WHERE tenant_id = $1"
            " AND kind = 'source_seconds' AND reported_at IS NOT NULL AND recorded_at >= $2 AND recorded_at < $3",
            tenant_id,
            start,
            end,
        )
    )
