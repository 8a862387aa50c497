"""The sender: claims due deliveries, POSTs them signed, records each attempt, and schedules the
next one (``retry``) until the delivery is delivered, failed or disabled.

Every attempt of a delivery sends the same body bytes and the same ``webhook-id``; the
``webhook-timestamp`` and the signatures are fresh each time (Standard Webhooks: receivers refuse
old timestamps). The endpoint's URL goes through the private-address guard at every attempt and
the request is pinned to the checked address (``streams.net.pinned``); redirects are not followed.

``run_forever`` polls every ``poll_seconds``; ``wake()`` makes the dispatchers of this process
look at once (an agent calls it after enqueueing). Deliveries enqueued by another process (the
API's replay and test routes) wait for the next poll.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime

import asyncpg
import httpx

from streams import __version__
from streams.domain.webhooks import Claim
from streams.errors import UnsafeUrl
from streams.net.pinned import new_client, open_pinned
from streams.ops import metrics
from streams.settings import Settings
from streams.webhooks import events, signing, store
from streams.webhooks.retry import (
    Outcome,
    classify,
    next_delay,
    parse_schedule,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

USER_AGENT = f"clipstream-webhooks/{__version__}"
ERROR_BODY_BYTES = 512  # how much of a failed answer's body is kept in the attempt log

_wakeups: set[asyncio.Event] = set()


def wake() -> None:
    """Make every running dispatcher of this process claim due deliveries now."""
    for event in list(_wakeups):
        event.set()


class Dispatcher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
        batch: int = 20,
        poll_seconds: float = 0.5,
        tenant_id: str | None = None,
    ) -> None:
        """``tenant_id``: send only that tenant's deliveries (a dedicated dispatcher; tests)."""
        self.pool = pool
        self.tenant_id = tenant_id
        self.allowed_hosts = settings.webhook_hosts
        self.schedule = parse_schedule(settings.webhook_retry_schedule)
        self.timeout = settings.webhook_timeout_seconds
        # a claim outlives any attempt (bounded by the timeout) and its recording
        self.lease_seconds = self.timeout + 60
        self.transport = transport
        self.rng = rng or random.Random()
        self.batch = batch
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    async def run_forever(self, stop: asyncio.Event) -> None:
        _wakeups.add(self._wake)
        try:
            async with new_client(self.timeout, self.transport) as client:
                while not stop.is_set():
                    self._wake.clear()
                    try:
                        claimed = await self.run_once(client)
                    except (OSError, asyncpg.PostgresError) as exc:  # the database is away: try again later
                        log.warning("webhook dispatcher: %s: %s", type(exc).__name__, exc)
                        claimed = 0
                    if claimed < self.batch:
                        await self._pause(stop)
        finally:
            _wakeups.discard(self._wake)

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """Claim a batch of due deliveries and attempt each (concurrently); how many were claimed."""
        async with self.pool.acquire() as conn:
            claimed = await store.claim_due(conn, self.batch, self.lease_seconds, self.tenant_id)
        results = await asyncio.gather(*(self.attempt(client, d) for d in claimed), return_exceptions=True)
        for claim, result in zip(claimed, results):
            if isinstance(result, BaseException):
                log.error("webhook delivery %s: %r", claim.delivery.delivery_id, result, exc_info=result)
        return len(claimed)

    async def attempt(self, client: httpx.AsyncClient, claim: Claim) -> None:
        """One attempt at a claimed delivery, recorded."""
        delivery = claim.delivery
        if not claim.endpoint_enabled:
            async with self.pool.acquire() as conn:
                await store.disable_pending(conn, delivery.endpoint_id)
            return
        started = time.monotonic()
        status_code, error, retry_after = await self._post(client, claim)
        duration_ms = int((time.monotonic() - started) * 1000)
        outcome, delay = classify(status_code), None
        if outcome is Outcome.RETRY:
            delay = next_delay(delivery.schedule_step + 1, self.schedule, self.rng, retry_after)
        name = {Outcome.DELIVERED: "delivered", Outcome.DISABLE: "disable"}.get(outcome)
        name = name or ("retry" if delay is not None else "failed")
        async with self.pool.acquire() as conn:
            await store.record_attempt(
                conn,
                delivery,
                status_code=status_code,
                error=error,
                duration_ms=duration_ms,
                outcome=name,
                next_delay=delay,
            )
        metrics.WEBHOOK_DELIVERIES.labels(name).inc()
        log.info(
            "webhook %s to %s: attempt %d %s (%s)",
            delivery.event_type,
            delivery.endpoint_id,
            delivery.attempts + 1,
            name,
            status_code or error,
        )

    async def _post(self, client: httpx.AsyncClient, claim: Claim) -> tuple[int | None, str | None, float | None]:
        """``(status code, error, Retry-After seconds)`` of one POST; no status code if none came."""
        body = events.body(claim.delivery.payload)
        secrets = signing.active_secrets(claim.secrets, datetime.now(UTC))
        try:
            async with asyncio.timeout(self.timeout):
                headers = {
                    **signing.headers(secrets, claim.delivery.msg_id, int(time.time()), body),
                    "content-type": "application/json",
                    "user-agent": USER_AGENT,
                }
                async with open_pinned(
                    client, "POST", claim.url, allowed_hosts=self.allowed_hosts, headers=headers, content=body
                ) as response:
                    if response.is_success:
                        return response.status_code, None, None
                    retry_after = retry_after_seconds(response.headers.get("retry-after"), datetime.now(UTC))
                    return (
                        response.status_code,
                        f"HTTP {response.status_code}: {await _start_of(response)}",
                        retry_after,
                    )
        except UnsafeUrl as exc:
            return None, f"{exc.code}: {exc.message}", None
        except TimeoutError:
            return None, f"timeout: no answer within {self.timeout:g} s", None
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}".rstrip(": "), None

    async def _pause(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()


async def run_forever(pool: asyncpg.Pool, settings: Settings, stop_event: asyncio.Event) -> None:
    """Send deliveries until ``stop_event`` is set."""
    await Dispatcher(pool, settings).run_forever(stop_event)


async def _start_of(response: httpx.Response) -> str:
    kept = b""
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) >= ERROR_BODY_BYTES:
            break
    return kept[:ERROR_BODY_BYTES].decode("utf-8", "replace")
