"""Progress as Server-Sent Events, per video and per tenant, fed from the lifecycle topic.

Each API process reads the ``events`` topic with its own consumer (no consumer group: every
process sees every event, from the newest on) and hands each event to the streams open for its
tenant (and video). A stream starts with a ``snapshot`` of the current state from the catalog, so
nothing that happened before the client connected is missed, then sends ``lifecycle`` events as
they arrive and a comment every ``KEEPALIVE_SECONDS`` so proxies keep the connection open. A
client too slow to keep up loses the oldest events and is told with a ``lagged`` event.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator, Iterator

from aiokafka import AIOKafkaConsumer
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from api.auth import caller
from api.openapi.blocks import NOT_FOUND, SSE
from api.routing import operation
from api.video_access import video_or_404
from api.videos import video_json
from streams.domain import pipeline

TOPIC = pipeline.EVENTS
KEEPALIVE_SECONDS = 15.0
QUEUE_SIZE = 256
FIELDS = (
    "event_id",
    "video_id",
    "stage",
    "status",
    "progress",
    "error_code",
    "reason",
    "duration_seconds",
    "produced_at",
)
log = logging.getLogger(__name__)


@dataclass(eq=False)
class Subscription:
    tenant_id: str
    video_id: str | None
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    lagged: bool = False

    def offer(self, event: dict) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.lagged = True
        self.queue.put_nowait(event)


def lifecycle_of(raw: bytes) -> dict | None:
    """The public fields of one lifecycle message (Faust's JSON record), or None if unreadable."""
    try:
        value = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(value, dict) or "video_id" not in value or "tenant_id" not in value:
        return None
    return {"tenant_id": value["tenant_id"], **{k: value.get(k) for k in FIELDS}}


class ProgressHub:
    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.subscriptions: set[Subscription] = set()
        self.consumer: AIOKafkaConsumer | None = None
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        # The worker may create the topic after the API subscribes: refresh metadata every few
        # seconds (aiokafka's default is 5 minutes) so the stream starts flowing soon after.
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="latest",
            enable_auto_commit=False,
            metadata_max_age_ms=5_000,
        )
        await self.consumer.start()
        self.consumer.subscribe([TOPIC])
        self.task = asyncio.create_task(self._pump(), name="progress-hub")

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
        if self.consumer:
            await self.consumer.stop()

    async def _pump(self) -> None:
        assert self.consumer is not None
        while True:
            try:
                async for message in self.consumer:
                    self.publish(lifecycle_of(message.value))
            except asyncio.CancelledError:
                raise
            except Exception:  # a broker hiccup must not end progress for the process's lifetime
                log.exception("progress hub: reading %s failed; retrying", TOPIC)
                await asyncio.sleep(1.0)

    def publish(self, event: dict | None) -> None:
        if event is None:
            return
        for sub in list(self.subscriptions):
            if sub.tenant_id == event["tenant_id"] and sub.video_id in (None, event["video_id"]):
                sub.offer(event)

    @contextmanager
    def subscribe(self, tenant_id: str, video_id: str | None = None) -> Iterator[Subscription]:
        sub = Subscription(tenant_id, video_id)
        self.subscriptions.add(sub)
        try:
            yield sub
        finally:
            self.subscriptions.discard(sub)


def _sse(event: str, data: dict, event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def _stream(hub: ProgressHub, tenant_id: str, video_id: str | None, snapshot: dict) -> AsyncIterator[str]:
    with hub.subscribe(tenant_id, video_id) as sub:
        yield "retry: 2000\n\n" + _sse("snapshot", snapshot)
        while True:
            try:
                event = await asyncio.wait_for(sub.queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if sub.lagged:
                sub.lagged = False
                yield _sse("lagged", {"message": "events were dropped; reload the state"})
            public = {k: v for k, v in event.items() if k != "tenant_id" and v is not None}
            yield _sse("lifecycle", public, event.get("event_id"))


def _response(stream: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        stream, media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@operation(
    "videoEvents",
    "A video's progress as it happens",
    {"200": SSE, **NOT_FOUND},
    scope="read",
    tag="videos",
    signed=True,
)
async def video_events(request: Request) -> StreamingResponse:
    _, video = await video_or_404(request)
    principal = caller(request)
    return _response(
        _stream(request.app.state.progress, principal.tenant_id, video.video_id, video_json(request, video))
    )


@operation(
    "tenantEvents",
    "Progress of all the tenant's videos as it happens",
    {"200": SSE},
    scope="read",
    tag="videos",
    signed=True,
)
async def tenant_events(request: Request) -> StreamingResponse:
    principal = caller(request)
    return _response(_stream(request.app.state.progress, principal.tenant_id, None, {"tenant_id": principal.tenant_id}))


routes = [
    Route("/v1/videos/{video_id}/events", video_events, methods=["GET"]),
    Route("/v1/events", tenant_events, methods=["GET"]),
]
