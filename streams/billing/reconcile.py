"""The ledger against Stripe: for each workspace with a customer, the source seconds reported in
a period against what Stripe's meter holds for the customer; a difference is reported, never
mended here (a person decides: a row Stripe refused, an event sent by hand)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from streams.billing import store
from streams.billing.stripe_account import StripeAccount


@dataclass(frozen=True)
class Difference:
    tenant_id: str
    customer_id: str
    ledger_seconds: float
    stripe_seconds: float

    @property
    def seconds(self) -> float:
        return self.stripe_seconds - self.ledger_seconds

    def as_json(self) -> dict:
        return {
            "tenant_id": self.tenant_id,
            "customer_id": self.customer_id,
            "ledger_seconds": self.ledger_seconds,
            "stripe_seconds": self.stripe_seconds,
            "difference_seconds": self.seconds,
        }


async def reconcile(pool: asyncpg.Pool, account: StripeAccount, start: datetime, end: datetime) -> list[Difference]:
    """Every workspace whose ledger and Stripe's meter disagree over [start, end)."""
    async with pool.acquire() as conn:
        known = await store.customers(conn)
    apart = []
    for customer in known:
        async with pool.acquire() as conn:
            ledger = await store.reported_seconds(conn, customer.tenant_id, start, end)
        stripe_side = await account.metered_seconds(customer.customer_id, start, end)
        if abs(stripe_side - ledger) >= 1:
            apart.append(Difference(customer.tenant_id, customer.customer_id, ledger, stripe_side))
    return apart
