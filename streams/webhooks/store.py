"""Webhook endpoints, deliveries and attempts in PostgreSQL (``schemas/postgres/0005``).

Every function takes a connection, so it works under either role: the API's (row-level security,
``app.tenant_id`` set by ``db.tenant_connection``) and the worker's owner role, which sees every
tenant. Functions on one tenant's rows also filter by ``tenant_id`` themselves, so the owner role
cannot cross tenants by mistake either.

Enqueueing is idempotent: ``UNIQUE (endpoint_id, msg_id)`` with the deterministic
``events.message_id`` makes a second enqueue of the same occurrence a no-op.

Sending is claimed, not locked: ``claim_due`` picks due deliveries with ``FOR UPDATE SKIP LOCKED``
(so concurrent dispatchers never pick the same row) and, in the same statement, pushes their
``next_attempt_at`` out by a lease longer than one attempt can take; the lock is released at once
and no transaction stays open across an HTTP call. A dispatcher that dies mid-send leaves the
delivery to be claimed again when the lease ends: delivery is at least once, always with the same
``webhook-id``, which receivers use to drop duplicates. ``record_attempt`` only applies to the
attempt count it claimed, so a late result of a stale claim changes nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg

from streams.adapters.db import from_jsonb
from streams.domain.webhooks import Attempt, Claim, Delivery, Endpoint, SigningSecret
from streams.webhooks import signing
from streams.webhooks.events import WebhookEvent, message_id

Cursor = tuple[datetime, str]  # (created_at, id) of the last row of the previous page


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _row(record: asyncpg.Record) -> dict:
    """A row with its JSON columns decoded (asyncpg hands ``jsonb`` over as text)."""
    row = dict(record)
    for name in ("secrets", "payload"):
        if name in row:
            row[name] = from_jsonb(row[name])
    return row


def _endpoint(record: asyncpg.Record | None) -> Endpoint | None:
    return None if record is None else Endpoint.from_row(_row(record))


def _delivery(record: asyncpg.Record | None) -> Delivery | None:
    return None if record is None else Delivery.from_row(_row(record))


def _secrets_json(secrets: Sequence[SigningSecret]) -> str:
    return json.dumps([s.to_json() for s in secrets])


def _page(cursor: Cursor | None) -> Cursor:
    """Rows strictly after the cursor in newest-first order; no cursor: from the newest."""
    return cursor or (datetime.max.replace(tzinfo=UTC), "")


# endpoints ---------------------------------------------------------------------------------------
async def create_endpoint(
    conn: asyncpg.Connection, tenant_id: str, url: str, description: str, event_types: Sequence[str], secret: str
) -> Endpoint:
    return Endpoint.from_row(
        _row(
            await conn.fetchrow(
                "INSERT INTO webhook_endpoints (endpoint_id, tenant_id, url, description, event_types, secrets)"
                " VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING *",
                new_id("ep"),
                tenant_id,
                url,
                description,
                list(event_types),
                _secrets_json([SigningSecret(secret, datetime.now(UTC))]),
            )
        )
    )


async def endpoint(conn: asyncpg.Connection, tenant_id: str, endpoint_id: str) -> Endpoint | None:
    return _endpoint(
        await conn.fetchrow(
            "SELECT * FROM webhook_endpoints WHERE endpoint_id = $1 AND tenant_id = $2", endpoint_id, tenant_id
        )
    )


async def endpoints(
    conn: asyncpg.Connection, tenant_id: str, limit: int, after: Cursor | None = None
) -> list[Endpoint]:
    """A tenant's endpoints, newest first, ``limit`` after the cursor."""
    created, last_id = _page(after)
    rows = await conn.fetch(
        "SELECT * FROM webhook_endpoints WHERE tenant_id = $1 AND (created_at, endpoint_id) < ($2, $3)"
        " ORDER BY created_at DESC, endpoint_id DESC LIMIT $4",
        tenant_id,
        created,
        last_id,
        limit,
    )
    return [Endpoint.from_row(_row(r)) for r in rows]


async def update_endpoint(
    conn: asyncpg.Connection,
    tenant_id: str,
    endpoint_id: str,
    *,
    url: str | None = None,
    description: str | None = None,
    event_types: Sequence[str] | None = None,
    status: str | None = None,
) -> Endpoint | None:
    """Change the given fields; None if there is no such endpoint. Disabling one disables its
    pending deliveries; enabling clears the reason it was disabled."""
    async with conn.transaction():
        row = _endpoint(
            await conn.fetchrow(
                "UPDATE webhook_endpoints SET url = coalesce($3, url), description = coalesce($4, description),"
                " event_types = coalesce($5, event_types), status = coalesce($6, status),"
                " disabled_reason = CASE WHEN $6 = 'enabled' THEN NULL"
                "   WHEN $6 = 'disabled' THEN coalesce(disabled_reason, 'disabled by the API') ELSE disabled_reason END,"
                " updated_at = now() WHERE endpoint_id = $1 AND tenant_id = $2 RETURNING *",
                endpoint_id,
                tenant_id,
                url,
                description,
                None if event_types is None else list(event_types),
                status,
            )
        )
        if row is not None and status == "disabled":
            await disable_pending(conn, endpoint_id)
    return row


async def delete_endpoint(conn: asyncpg.Connection, tenant_id: str, endpoint_id: str) -> bool:
    status = await conn.execute(
        "DELETE FROM webhook_endpoints WHERE endpoint_id = $1 AND tenant_id = $2", endpoint_id, tenant_id
    )
    return status == "DELETE 1"


async def rotate_secret(
    conn: asyncpg.Connection, tenant_id: str, endpoint_id: str, new_secret: str, grace: timedelta
) -> Endpoint | None:
    """Make ``new_secret`` current; the previous one still signs for ``grace``."""
    async with conn.transaction():
        current = await conn.fetchval(
            "SELECT secrets FROM webhook_endpoints WHERE endpoint_id = $1 AND tenant_id = $2 FOR UPDATE",
            endpoint_id,
            tenant_id,
        )
        if current is None:
            return None
        secrets = [SigningSecret.from_json(s) for s in from_jsonb(current)]
        return _endpoint(
            await conn.fetchrow(
                "UPDATE webhook_endpoints SET secrets = $3::jsonb, updated_at = now()"
                " WHERE endpoint_id = $1 AND tenant_id = $2 RETURNING *",
                endpoint_id,
                tenant_id,
                _secrets_json(signing.rotated(secrets, new_secret, datetime.now(UTC), grace)),
            )
        )


async def disable_endpoint(conn: asyncpg.Connection, endpoint_id: str, reason: str) -> None:
    """Disable an endpoint (a 410 from it) and every delivery still pending for it."""
    async with conn.transaction():
        await conn.execute(
            "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $2, updated_at = now()"
            " WHERE endpoint_id = $1",
            endpoint_id,
            reason,
        )
        await disable_pending(conn, endpoint_id)


async def disable_pending(conn: asyncpg.Connection, endpoint_id: str) -> None:
    """Mark the endpoint's pending deliveries ``disabled``: they are not sent (replay revives one)."""
    await conn.execute(
        "UPDATE webhook_deliveries SET status = 'disabled' WHERE endpoint_id = $1 AND status = 'pending'", endpoint_id
    )


# deliveries --------------------------------------------------------------------------------------
async def enqueue(conn: asyncpg.Connection, event: WebhookEvent, endpoint_id: str | None = None) -> list[str]:
    """A delivery of ``event`` to each enabled endpoint of its tenant subscribed to its type (or
    only to ``endpoint_id``, whatever it subscribes to); the ids of the deliveries created now."""
    if endpoint_id is None:
        targets = await conn.fetch(
            "SELECT endpoint_id FROM webhook_endpoints WHERE tenant_id = $1 AND status = 'enabled'"
            " AND (cardinality(event_types) = 0 OR $2 = ANY(event_types))",
            event.tenant_id,
            event.type,
        )
    else:
        targets = await conn.fetch(
            "SELECT endpoint_id FROM webhook_endpoints WHERE tenant_id = $1 AND endpoint_id = $2"
            " AND status = 'enabled'",
            event.tenant_id,
            endpoint_id,
        )
    payload = json.dumps(event.payload)
    created = []
    for target in targets:
        delivery_id = await conn.fetchval(
            "INSERT INTO webhook_deliveries (delivery_id, tenant_id, endpoint_id, event_type, msg_id, payload)"
            " VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT (endpoint_id, msg_id) DO NOTHING"
            " RETURNING delivery_id",
            new_id("dlv"),
            event.tenant_id,
            target["endpoint_id"],
            event.type,
            message_id(target["endpoint_id"], event.key),
            payload,
        )
        if delivery_id is not None:
            created.append(delivery_id)
    return created


async def claim_due(
    conn: asyncpg.Connection, limit: int, lease_seconds: float, tenant_id: str | None = None
) -> list[Claim]:
    """Up to ``limit`` due pending deliveries (of every tenant, or only ``tenant_id``'s), with
    their endpoint's url, secrets and status, leased for ``lease_seconds`` (see the module's
    docstring)."""
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT delivery_id FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= now() AND ($3::text IS NULL OR tenant_id = $3)
            ORDER BY next_attempt_at LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $2)
        FROM due, webhook_endpoints e
        WHERE d.delivery_id = due.delivery_id AND e.endpoint_id = d.endpoint_id
        RETURNING d.*, e.url, e.secrets, e.status AS endpoint_status
        """,
        limit,
        float(lease_seconds),
        tenant_id,
    )
    return [_claim(_row(r)) for r in rows]


def _claim(row: dict) -> Claim:
    return Claim(
        Delivery.from_row(row),
        url=row["url"],
        secrets=tuple(SigningSecret.from_json(s) for s in row["secrets"]),
        endpoint_enabled=row["endpoint_status"] == "enabled",
    )


async def record_attempt(
    conn: asyncpg.Connection,
    delivery: Delivery,
    *,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    outcome: str,
    next_delay: float | None = None,
) -> bool:
    """Record the attempt made on a claimed ``delivery`` and move the delivery on. ``outcome``:
    ``delivered``; ``retry`` (again in ``next_delay`` seconds); ``failed`` (schedule exhausted);
    ``disable`` (the endpoint answered 410). False if the claim was stale (nothing written)."""
    attempt = delivery.attempts + 1
    status = {"delivered": "delivered", "retry": "pending", "failed": "failed", "disable": "disabled"}[outcome]
    async with conn.transaction():
        updated = await conn.execute(
            "UPDATE webhook_deliveries SET attempts = $3, schedule_step = schedule_step + 1, status = $4,"
            " last_status_code = $5, last_error = $6,"
            " next_attempt_at = CASE WHEN $4 = 'pending' THEN now() + make_interval(secs => $7) ELSE next_attempt_at END,"
            " delivered_at = CASE WHEN $4 = 'delivered' THEN now() END"
            " WHERE delivery_id = $1 AND attempts = $2 AND status = 'pending'",
            delivery.delivery_id,
            delivery.attempts,
            attempt,
            status,
            status_code,
            error,
            float(next_delay or 0.0),
        )
        if updated != "UPDATE 1":
            return False
        await conn.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, tenant_id, status_code, error, duration_ms)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            delivery.delivery_id,
            attempt,
            delivery.tenant_id,
            status_code,
            error,
            duration_ms,
        )
        if outcome == "disable":
            await disable_endpoint(conn, delivery.endpoint_id, f"the endpoint answered HTTP {status_code} Gone")
    return True


async def delivery(conn: asyncpg.Connection, tenant_id: str, delivery_id: str) -> Delivery | None:
    """One delivery with its attempts (oldest first)."""
    record = await conn.fetchrow(
        "SELECT * FROM webhook_deliveries WHERE delivery_id = $1 AND tenant_id = $2", delivery_id, tenant_id
    )
    if record is None:
        return None
    return Delivery.from_row(_row(record), tuple(await _attempts(conn, tenant_id, [delivery_id])))


async def deliveries(
    conn: asyncpg.Connection, tenant_id: str, endpoint_id: str, limit: int, after: Cursor | None = None
) -> list[Delivery]:
    """An endpoint's deliveries, newest first, each with its attempts (``attempt_log``)."""
    created, last_id = _page(after)
    rows = [
        _row(r)
        for r in await conn.fetch(
            "SELECT * FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2"
            " AND (created_at, delivery_id) < ($3, $4) ORDER BY created_at DESC, delivery_id DESC LIMIT $5",
            tenant_id,
            endpoint_id,
            created,
            last_id,
            limit,
        )
    ]
    log = await _attempts(conn, tenant_id, [r["delivery_id"] for r in rows])
    return [Delivery.from_row(r, tuple(a for a in log if a.delivery_id == r["delivery_id"])) for r in rows]


async def _attempts(conn: asyncpg.Connection, tenant_id: str, delivery_ids: list[str]) -> list[Attempt]:
    rows = await conn.fetch(
        "SELECT * FROM webhook_attempts WHERE tenant_id = $1 AND delivery_id = ANY($2::text[])"
        " ORDER BY delivery_id, attempt",
        tenant_id,
        delivery_ids,
    )
    return [Attempt.from_row(r) for r in rows]


async def replay(conn: asyncpg.Connection, tenant_id: str, delivery_id: str) -> Delivery | None:
    """Send a delivery again now: the same message (``webhook-id``, body), a new attempt and a
    fresh retry schedule, whatever its status. None if there is no such delivery or its endpoint
    is disabled."""
    return _delivery(
        await conn.fetchrow(
            "UPDATE webhook_deliveries d SET status = 'pending', schedule_step = 0, next_attempt_at = now()"
            " FROM webhook_endpoints e"
            " WHERE d.delivery_id = $1 AND d.tenant_id = $2 AND e.endpoint_id = d.endpoint_id AND e.status = 'enabled'"
            " RETURNING d.*",
            delivery_id,
            tenant_id,
        )
    )
