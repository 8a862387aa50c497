"""Webhooks: lifecycle events (``events``), rendered clips (``renders``) and the final ranking
(``moments``) become deliveries to
the endpoints of the event's tenant (``streams.webhooks``), and the dispatcher that sends them
runs beside the agents in every worker (``FOR UPDATE SKIP LOCKED`` keeps workers from sending the
same delivery twice).

Enqueueing is idempotent (one delivery per endpoint and occurrence), so a redelivered message is
harmless. A webhook never fails a video: if the database refuses the enqueue after a few tries,
the event is logged and skipped, and the stream goes on. A message that breaks its contract is set
aside on ``webhooks.dlq`` with the reason (``streams.worker.messages.checked``).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import UTC, datetime
from functools import partial
from typing import Callable

from streams.domain.deadletters import Origin
from streams.ops import tracing
from streams.usage.metering import Remeasuring, measure_again
from streams.webhooks import dispatch, events, store
from streams.webhooks.events import WebhookEvent
from streams.worker import topics
from streams.worker.app import app
from streams.worker.messages import checked, handle_message, origin_of, with_retries
from streams.worker.resources import runtime
from streams.worker.shutdown import STATE

log = logging.getLogger(__name__)

STAGE = "webhooks"
ENQUEUE_TRIES = 5
RESTART_SECONDS = 5.0


def _webhooks_of(record: str, to_webhook: Callable[[dict], WebhookEvent | None]):
    """An agent body turning each valid ``record`` message into its webhook (or none)."""

    async def agent(stream):
        async def one(origin: Origin) -> None:
            event = await checked(STAGE, record, origin, fails_video=False)
            if event is None:  # broken: set aside on webhooks.dlq with the reason
                return
            with (
                tracing.handling(
                    STAGE,
                    tenant_id=event["tenant_id"],
                    video_id=event["video_id"],
                    event_id=event["event_id"],
                    headers=origin.headers,
                ),
                STATE.holding(f"{STAGE} {event['video_id']}"),
            ):
                webhook = to_webhook(event)
                await enqueue(webhook)
                if webhook is not None and webhook.type == "video.completed":
                    await _usage_alerts(event["tenant_id"], event["produced_at"])
                    _remeasuring.ask(event["tenant_id"])  # in the background: a big bucket lists for seconds

        async for message in stream.events():
            origin, ref = origin_of(message), weakref.ref(message.message)
            del message  # no reference kept while working (see runtime.consume)
            await handle_message(STAGE, origin, ref, partial(one, origin))

    return agent


lifecycle_webhooks = app.agent(topics.INBOUND["events"], name="streams.agents.webhooks.lifecycle_webhooks")(
    _webhooks_of("lifecycle", events.from_lifecycle)
)
clip_webhooks = app.agent(topics.INBOUND["renders"], name="streams.agents.webhooks.clip_webhooks")(
    _webhooks_of("clip_rendered", events.from_clip)
)
ranking_webhooks = app.agent(topics.INBOUND["moments"], name="streams.agents.webhooks.ranking_webhooks")(
    _webhooks_of("moments_found", events.from_ranking)
)


@app.task
async def webhook_dispatcher() -> None:
    """Send deliveries for as long as the worker runs; restarted if it ever fails."""
    while True:
        try:
            rt = await runtime()
            await dispatch.run_forever(rt.catalog.pool, rt.settings, asyncio.Event())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the webhook dispatcher failed; restarting in %.0f s", RESTART_SECONDS)
            await asyncio.sleep(RESTART_SECONDS)


async def _usage_alerts(tenant_id: str, timestamp: str) -> None:
    """``usage.threshold`` for each of 80 % and 100 % of the workspace's monthly source minutes
    that its ledger has reached (the video just completed is in it: the ledger row is written with
    the completion, before the lifecycle event). Each is one occurrence a month however often it is
    found again, so every endpoint gets it once."""
    from streams.adapters.db import tenant_connection
    from streams.usage import store as usage
    from streams.usage.plans import month_of, thresholds_passed

    now = datetime.now(UTC)
    try:
        rt = await runtime()
        async with tenant_connection(rt.catalog.pool, tenant_id) as conn:
            plan = await usage.plan_of(conn, tenant_id, rt.settings)
            if not plan.source_minutes_per_month:
                return
            standing = await usage.standing(conn, tenant_id, now)
    except Exception as exc:  # an alert never fails a video: logged
        log.error("usage alerts of %s not checked: %s: %s", tenant_id, type(exc).__name__, exc)
        return
    month = month_of(now)[0].strftime("%Y-%m")
    for threshold in thresholds_passed(plan, standing.used_seconds):
        used = {
            "plan": plan.as_json(),
            "used_source_minutes": round(standing.used_seconds / 60, 2),
            "limit_source_minutes": plan.source_minutes_per_month,
        }
        await enqueue(events.from_usage(tenant_id, threshold, month, used, timestamp))


async def _measure_storage(tenant_id: str) -> None:
    """The workspace's storage measured again now that a video's clips are stored (between the
    worker's hourly measures, ``GET /v1/usage`` would say what it held before the video)."""
    rt = await runtime()
    await measure_again(rt.catalog.pool, rt.storage, tenant_id, datetime.now(UTC))


_remeasuring = Remeasuring(_measure_storage)


async def enqueue(event: WebhookEvent | None) -> list[str]:
    """Deliveries of ``event`` to its tenant's subscribed endpoints; the ids created now."""
    if event is None:
        return []

    async def attempt() -> list[str]:
        rt = await runtime()
        async with rt.catalog.pool.acquire() as conn:
            return await store.enqueue(conn, event)

    try:
        created = await with_retries(attempt, ENQUEUE_TRIES)
    except Exception as exc:  # an outage that outlasted the tries: logged
        log.error("webhook %s (%s) not enqueued: %s: %s", event.type, event.key, type(exc).__name__, exc)
        return []
    if created:
        log.info("webhook %s (%s): %d deliveries queued", event.type, event.key, len(created))
        dispatch.wake()
    return created
