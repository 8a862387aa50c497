"""Webhooks: lifecycle events (``events``) and rendered clips (``renders``) become deliveries to
the endpoints of the event's tenant (``streams.webhooks``), and the dispatcher that sends them
runs beside the agents in every worker (``FOR UPDATE SKIP LOCKED`` keeps workers from sending the
same delivery twice).

Enqueueing is idempotent (one delivery per endpoint and occurrence), so a redelivered message is
harmless. A webhook never fails a video: if the database refuses the enqueue after a few tries,
the event is logged and skipped, and the stream goes on.
"""

from __future__ import annotations

import asyncio
import logging

from streams import topics
from streams.app import app
from streams.records import to_payload
from streams.runtime import runtime, with_retries
from streams.webhooks import dispatch, events, store
from streams.webhooks.events import WebhookEvent

log = logging.getLogger(__name__)

ENQUEUE_TRIES = 5
RESTART_SECONDS = 5.0


@app.agent(topics.events)
async def lifecycle_webhooks(stream):
    async for event in stream:
        await enqueue(events.from_lifecycle(to_payload(event)))


@app.agent(topics.renders)
async def clip_webhooks(stream):
    async for clip in stream:
        await enqueue(events.from_clip(to_payload(clip)))


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
        dispatch.wake()
    return created


