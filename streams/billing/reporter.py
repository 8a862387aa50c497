"""Reporting the ledger to Stripe: each unreported row of source seconds of a workspace with a
Stripe customer becomes one meter event, its identifier the row's key (``meter_identifier``).

A row is locked while its event is sent and marked reported in the same transaction; a crash or
a lost answer in between leaves it unreported, and the next round sends it again with the same
identifier, which Stripe takes as the same event. Stripe's refusal of a row (too old, an unknown
customer) is kept with it and it is not sent again; an outage leaves it for the next round.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import asyncpg

from streams.billing import store
from streams.billing.reconcile import reconcile
from streams.billing.stripe_account import StripeAccount, meter_identifier
from streams.errors import BillingError, BillingUnavailable

log = logging.getLogger(__name__)


async def report_round(pool: asyncpg.Pool, account: StripeAccount, limit: int = 500) -> int:
    """Report unreported rows until none is left (or ``limit``); how many were reported now."""
    sent = 0
    while sent < limit:
        async with pool.acquire() as conn, conn.transaction():
            row = await store.claim_unreported(conn)
            if row is None:
                return sent
            try:
                await account.report(
                    row.customer_id, row.quantity, meter_identifier(row.kind, row.subject), row.recorded_at
                )
            except BillingUnavailable:
                raise  # the transaction ends, the row stays unreported: the next round sends it
            except BillingError as exc:
                log.error("Stripe refused the usage of %s (%s): %s", row.subject, row.tenant_id, exc)
                await store.mark(conn, row, exc.message[:500])
                continue
            await store.mark(conn, row, None)
            sent += 1
    return sent


async def daily_reconciliation(pool: asyncpg.Pool, account: StripeAccount) -> list:
    """Yesterday's ledger against Stripe's meter (UTC days), each difference logged for a person."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    apart = await reconcile(pool, account, today - timedelta(days=1), today)
    for d in apart:
        log.warning(
            "billing: %s's ledger reported %g s to Stripe for %s and Stripe's meter holds %g s",
            d.tenant_id,
            d.ledger_seconds,
            f"{today - timedelta(days=1):%Y-%m-%d}",
            d.stripe_seconds,
        )
    return apart


async def run_forever(pool: asyncpg.Pool, account: StripeAccount, stop: asyncio.Event, every: float) -> None:
    """A round every ``every`` seconds (``billing_report_seconds``) until ``stop`` is set, and the
    reconciliation of the day before once a day (when a meter is configured)."""
    reconciled_for = None
    while not stop.is_set():
        day = datetime.now(UTC).date()
        if account.settings.stripe_meter_id and reconciled_for != day:
            try:
                await daily_reconciliation(pool, account)
                reconciled_for = day
            except BillingError as exc:
                log.warning("billing: the daily reconciliation could not run: %s", exc)
        try:
            reported = await report_round(pool, account)
            if reported:
                log.info("reported %d usage records to Stripe", reported)
        except BillingUnavailable as exc:
            log.warning("usage not reported to Stripe this round: %s", exc)
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            pass
