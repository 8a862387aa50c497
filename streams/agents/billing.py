"""Usage and billing beside the agents in every worker of the webhooks group: each workspace's
storage measured every ``storage_snapshot_seconds`` (``streams.usage.metering``), after the files
of direct uploads nobody confirmed a day after their forms expired are deleted; and, when
billing is configured (``CLIPSTREAM_STRIPE_API_KEY``), the ledger's source seconds reported to
Stripe as meter events (``streams.billing.reporter``; rows claimed with ``FOR UPDATE SKIP
LOCKED``, so workers share them). Without a Stripe key nothing here reaches Stripe."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from streams.adapters import pending_uploads
from streams.billing import reporter
from streams.billing.stripe_account import StripeAccount
from streams.domain.upload import ABANDONED_AFTER
from streams.worker.app import app
from streams.worker.periodic import repeat
from streams.worker.resources import Runtime, runtime

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
    await repeat("measuring storage", _measure_storage, lambda rt: rt.settings.storage_snapshot_seconds)


async def _measure_storage(rt: Runtime) -> None:
    """Abandoned uploads deleted, then every workspace measured."""
    from streams.usage.metering import measure_storage

    await abandon_uploads(rt, datetime.now(UTC))
    await measure_storage(rt.catalog.pool, rt.storage, datetime.now(UTC))


async def abandon_uploads(rt: Runtime, now: datetime) -> int:
    """Delete the files and rows of direct uploads never confirmed ``ABANDONED_AFTER`` after their
    forms expired (no one can see or delete them through the API: they are not videos yet); how many."""

    async def delete_file(key: str) -> None:
        await asyncio.to_thread(rt.storage.delete, key)

    count = 0
    for tenant_id, upload_id in await pending_uploads.abandoned(rt.catalog.pool, now - ABANDONED_AFTER):
        if await pending_uploads.abandon(rt.catalog.pool, tenant_id, upload_id, delete_file):
            log.info("upload %s of %s was never confirmed: its file was deleted", upload_id, tenant_id)
            count += 1
    return count
