"""How an agent handles its messages.

A failure is handled in one place (``run_guarded``): an exception is classified
(``streams.failures``); a transient one (Triton, storage, the database or Kafka unavailable) is
tried again with jittered, doubling pauses within the stage's retry budget (``streams.worker.retry``);
then, or at once for a permanent error, the message goes to the stage's dead-letter topic with the
reason in its headers (``streams.domain.deadletters``), the video is marked failed with a reason a person
can read, and a ``failed`` lifecycle event is published. A message that breaks its contract (not
JSON, the wrong shape, an unknown schema version, too big, a bad key) never reaches the work: the
stage reads bytes and checks them first (``consume``). The stream keeps flowing.

A worker asked to stop (``streams.worker.shutdown``) starts no new message and lets the one in hand
finish within its grace period; a retriable failure then is neither retried nor given up, and what
is left unfinished is never committed: the next owner of its partition does it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from functools import partial
from typing import Any, Awaitable, Callable, TypeVar

from opentelemetry.trace import StatusCode

from streams.domain import contracts, deadletters
from streams.domain.deadletters import Origin
from streams.domain.pipeline import EVENT_TYPES
from streams.errors import ClipstreamError, ContractError, VideoFailed
from streams.failures import classify
from streams.ops import metrics, tracing
from streams.ops.error_reports import capture_failure
from streams.ops.metrics import Stopwatch
from streams.worker.reporting import fail, give_up
from streams.worker.resources import runtime
from streams.worker.retry import budget_for
from streams.worker.shutdown import STATE

log = logging.getLogger("clipstream")


async def run_guarded(
    stage: str,
    *,
    tenant_id: str,
    video_id: str,
    raw: bytes,
    source_topic: str,
    work: Callable[[], Awaitable[None]],
    origin: Origin | None = None,
) -> bool:
    """Run one message's work under the failure policy. True if it succeeded.

    The work runs in the stage's span, under the trace context its message carries, with the
    tenant, video and event ids bound to every log line; its time is observed per outcome. The
    message is in hand meanwhile (``shutdown.STATE``): a stopping worker waits for it. A retriable
    failure while the worker is stopping (or one whose retry pause a stop interrupts) is neither
    retried nor given up: the message is set aside unfinished and unacknowledged, and this never
    returns (the agent is cancelled at the end of the stop)."""
    from streams.worker.app import settings

    tries = budget_for(stage, settings).start()
    event_id = _event_id(raw)
    with (
        tracing.handling(
            stage,
            tenant_id=tenant_id,
            video_id=video_id,
            event_id=event_id,
            headers=origin.headers if origin is not None else None,
        ) as span,
        STATE.holding(f"{stage} {video_id}"),
    ):
        log.info("%s: handling %s from %s", stage, video_id, source_topic)
        while True:
            clock = Stopwatch()
            try:
                await work()
                metrics.STAGE_SECONDS.labels(stage, "ok").observe(clock.seconds)
                log.info("%s: done with %s in %.2f s", stage, video_id, clock.seconds)
                return True
            except ClipstreamError as exc:
                error: Exception = exc
                code, reason, retriable = exc.code, exc.message, exc.retriable
            except Exception as exc:  # an outage (retriable) or a bug, told apart by its type
                error = exc
                known = classify(exc)
                code, reason, retriable = known.code, known.message, known.retriable
            if retriable and STATE.stopping:
                break
            pause = tries.pause() if retriable else None
            if pause is not None:
                metrics.STAGE_SECONDS.labels(stage, "retried").observe(clock.seconds)
                log.warning(
                    "%s %s: attempt %d failed (%s); retrying in %.1f s", stage, video_id, tries.count - 1, reason, pause
                )
                if await STATE.pause(pause):
                    break
                continue
            if retriable:
                reason = f"{reason} ({tries.spent()})"
            metrics.STAGE_SECONDS.labels(stage, "failed").observe(clock.seconds)
            span.set_status(StatusCode.ERROR, reason[:200])
            if code == "internal_error" or retriable:  # a bug, or an outage that outlasted the tries
                log.error("%s %s failed: %s", stage, video_id, reason, exc_info=error)
                capture_failure(
                    error, stage=stage, tenant_id=tenant_id, video_id=video_id, event_id=event_id, code=code
                )
            else:  # the input's fault: the video fails with the reason; nothing to report
                log.warning("%s %s failed: %s", stage, video_id, reason)
            await give_up(
                stage,
                video_id,
                raw,
                code,
                reason,
                source_topic,
                origin=origin,
                attempts=tries.count,
                fails_video=code != VideoFailed.code,
            )
            return False
        # Stopping: likely the stop's own doing (a child killed with the worker); the next owner
        # of the partition reads the message again and retries it.
        metrics.STAGE_SECONDS.labels(stage, "abandoned").observe(clock.seconds)
        log.warning(
            "%s %s: left unfinished, the worker is stopping (%s); the next owner of its partition takes it over",
            stage,
            video_id,
            reason,
        )
    await STATE.set_aside()


def _event_id(raw: bytes) -> str | None:
    """The ``event_id`` of a pipeline message's JSON, if it has one."""
    try:
        value = json.loads(raw).get("event_id")
    except Exception:
        return None
    return value if isinstance(value, str) else None


T = TypeVar("T")


async def with_retries(work: Callable[[], Awaitable[T]], tries: int, delay: float = 0.5) -> T:
    """``await work()``, tried up to ``tries`` times with pauses that double from ``delay``; the last
    failure is raised. For the sinks, which never fail a video: they give up with a log or a spool."""
    for attempt in range(1, tries + 1):
        try:
            return await work()
        except Exception:
            if attempt == tries:
                raise
            await asyncio.sleep(delay)
            delay *= 2
    raise ValueError(f"tries must be at least 1, got {tries}")


async def consume(
    stage: str,
    stream,
    source_topic: str,
    work: Callable[[Any], Awaitable[None]],
    *,
    fails_video: bool = True,
    as_record: bool = True,
) -> None:
    """The loop of an agent over a topic of pipeline records (read as bytes: ``topics.INBOUND``).
    Each message is checked against its contract first; one that breaks it is rejected (``reject``),
    and each good one becomes its record (``as_record``; else its checked payload, a dict) and runs
    ``work`` under the failure policy, so no message ever stops the agent. ``fails_video``: a
    rejected message fails the video it names. Each message is taken as a stopping worker allows
    (``handle_message``)."""
    from streams.worker.records import EVENT_RECORDS

    event_type = EVENT_TYPES[source_topic]

    async def one(origin: Origin) -> None:
        payload = await checked(stage, event_type, origin, fails_video=fails_video)
        if payload is None:
            return
        await run_guarded(
            stage,
            tenant_id=payload["tenant_id"],
            video_id=payload["video_id"],
            raw=origin.value,
            source_topic=source_topic,
            origin=origin,
            work=lambda: work(EVENT_RECORDS[event_type].from_data(payload) if as_record else payload),
        )

    async for event in stream.events():
        origin, message = origin_of(event), weakref.ref(event.message)
        # Hold no reference to the event while working: on a rebalance Faust drops the messages of
        # revoked partitions and waits until each is acked or collected; one kept alive by a loop
        # variable (this one, or a sink's batch) makes it wait for ever, and the worker stalls.
        del event
        await handle_message(stage, origin, message, partial(one, origin))


async def handle_message(stage: str, origin: Origin, message: weakref.ref, work: Callable[[], Awaitable[None]]) -> None:
    """``await work()`` for one message of an agent's loop (``message``: a weak reference to its
    Faust ``Message``), as a stopping worker allows (``streams.worker.shutdown``): once the worker is
    stopping no message is started; this one is abandoned and waits, unacknowledged, until the
    agent is cancelled. A message still taken when the grace is over (``shutdown.abandon_taken``)
    or whose work is cancelled is abandoned too: Faust acknowledges it as it closes the stream, and
    the consumer never commits it. (An agent is cancelled when its worker stops, however it stops:
    none here has isolated partitions, whose agents a rebalance would cancel too.)"""
    await _as_stopping_allows(stage, f"{origin.topic}:{origin.partition}:{origin.offset}", [message], work)


async def handle_batch(stage: str, messages: list[weakref.ref], work: Callable[[], Awaitable[Any]]) -> None:
    """``handle_message`` for a sink's batch (``take_events``; ``messages``: weak references to its
    Faust messages): in hand while it is written, not started once the worker is stopping, and
    abandoned if cancelled. Faust's ``take_events`` acknowledges the whole batch as its generator
    closes, written or not."""

    async def held() -> None:
        with STATE.holding(f"{stage} ({len(messages)} messages)"):
            await work()

    await _as_stopping_allows(stage, f"a batch of {len(messages)} messages", messages, held)


async def _as_stopping_allows(
    stage: str, what: str, messages: list[weakref.ref], work: Callable[[], Awaitable[Any]]
) -> None:
    """``await work()`` on ``messages`` unless the worker is stopping (then they are abandoned and
    set aside); abandoned if cancelled."""
    with STATE.taking(messages):
        try:
            if STATE.stopping:
                log.info("%s: not starting %s, the worker is stopping", stage, what)
                _abandon(messages)
                await STATE.set_aside()
            await work()
        except asyncio.CancelledError:
            _abandon(messages)
            raise


def _abandon(messages: list[weakref.ref]) -> None:
    for message in messages:
        STATE.abandon(message())


def origin_of(event) -> Origin:
    """Where a Faust event (of a raw-bytes topic) came from, and what it was."""
    message = event.message
    key, value = message.key, message.value
    return Origin(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=key.encode() if isinstance(key, str) else key,
        value=value.encode() if isinstance(value, str) else (value or b""),
        headers=deadletters.as_dict(message.headers),
    )


async def checked(stage: str, event_type: str, origin: Origin, *, fails_video: bool) -> dict | None:
    """The message's validated payload, or None when it broke its contract and was rejected."""
    from streams.worker.app import settings

    try:
        return contracts.read(event_type, origin.key, origin.value, settings.max_event_bytes)
    except ContractError as exc:
        await reject(stage, origin, exc, fails_video=fails_video)
        return None


async def reject(stage: str, origin: Origin, error: ContractError, *, fails_video: bool = True) -> None:
    """A message that breaks its contract goes to the stage's dead-letter topic with the reason. If it
    names a video we know (same tenant) and ``fails_video``, that video fails too: it cannot complete
    without the message. Never raises: a poison message must not stop its stage."""
    log.warning("%s: set aside %s:%s:%s: %s", stage, origin.topic, origin.partition, origin.offset, error.message)
    named = _named_video(origin.value) if fails_video else None
    await give_up(
        stage,
        named[1] if named else "",
        origin.value,
        error.code,
        error.message,
        origin.topic,
        origin=origin,
        attempts=1,
        fails_video=False,
    )
    if named is None:
        return
    tenant_id, video_id = named
    try:
        video = await (await runtime()).catalog.video(video_id)
        if video is not None and str(video.tenant_id) == tenant_id:
            await fail(video_id, stage, error.code, f"its message on {origin.topic} was unusable: {error.message}")
    except Exception:
        log.exception("%s %s: could not mark the video failed after rejecting its message", stage, video_id)


def _named_video(value: bytes) -> tuple[str, str] | None:
    """(tenant id, video id) a message names, however broken it is otherwise; None if it names none."""
    try:
        loose = json.loads(value)
    except (ValueError, TypeError, RecursionError):
        return None
    if not isinstance(loose, dict):
        return None
    tenant_id, video_id = loose.get("tenant_id"), loose.get("video_id")
    if isinstance(tenant_id, str) and isinstance(video_id, str) and tenant_id and video_id:
        return tenant_id, video_id
    return None
