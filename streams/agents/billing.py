"""Usage and billing beside the agents in every worker of the webhooks group: each workspace's
storage measured every ``storage_snapshot_seconds`` (``streams.usage.metering``); and, when
billing is configured (``CLIPSTREAM_STRIPE_API_KEY``), the ledger's source seconds reported to
Stripe as meter events (``streams.billing.reporter``; rows claimed with ``FOR UPDATE SKIP
LOCKED``, so workers share them). Without a Stripe key nothing here reaches Stripe."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from streams.billing import reporter
from streams.billing.stripe_account import StripeAccount
from streams.worker.app import app
from streams.worker.resources import runtime

log = logging.getLogger(__name__)
RESTART_SECONDS = 5.0


@app.task
async def usage_reporter() -> None:
    """Report usage to Stripe for as long as the worker runs (when configured); restarted if it fails."""
    while True:
        try:
            rt = await runtime()
            account = StripeAccount.configured(rt.settings)
            if account is None:
                log.info("billing is off: set CLIPSTREAM_STRIPE_API_KEY to report usage to Stripe")
                return
            await reporter.run_forever(rt.catalog.pool, account, asyncio.Event(), rt.settings.billing_report_seconds)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the usage reporter failed; restarting in %.0f s", RESTART_SECONDS)
            await asyncio.sleep(RESTART_SECONDS)


@app.task
async def storage_meter() -> None:
    """Measure each workspace's storage for as long as the worker runs; restarted if it fails."""
    from streams.usage.metering import measure_storage

    while True:
        try:
            rt = await runtime()
            while True:
                await measure_storage(rt.catalog.pool, rt.storage, datetime.now(UTC))
                await asyncio.sleep(rt.settings.storage_snapshot_seconds)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("measuring storage failed; trying again in %.0f s", RESTART_SECONDS)
            await asyncio.sleep(RESTART_SECONDS)
