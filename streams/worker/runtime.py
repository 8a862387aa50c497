"""What the worker's agents share: the catalog, storage, the Triton client and a scratch
directory, opened once on first use (never at import time), and the two ways a stage reports:
lifecycle events and failures.

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
import functools
import json
import logging
import shutil
import time
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar
from urllib.parse import urlparse

from opentelemetry.trace import StatusCode

from streams.adapters.catalog import Catalog
from streams.adapters.db import create_pool
from streams.adapters.storage import S3Storage, Storage, open_storage
from streams.adapters.triton import TritonClient
from streams.domain import contracts, deadletters
from streams.domain.deadletters import Origin
from streams.domain.envelope import MILESTONES
from streams.domain.pipeline import EVENT_TYPES
from streams.domain.video import Video
from streams.errors import ClipstreamError, ContractError, StorageError, VideoFailed
from streams.failures import classify
from streams.ops import metrics, redact, tracing
from streams.ops.error_reports import capture_failure
from streams.settings import Settings
from streams.worker.records import lifecycle
from streams.worker.retry import budget_for
from streams.worker.shutdown import STATE

log = logging.getLogger("clipstream")


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    storage: Storage
    triton: TritonClient
    scratch: Path
    other_buckets: dict[str, S3Storage] = field(default_factory=dict)  # s3:// sources outside ``storage``

    def scratch_for(self, video_id: str) -> Path:
        path = self.scratch / video_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def drop_scratch(self, video_id: str) -> None:
        shutil.rmtree(self.scratch / video_id, ignore_errors=True)

    async def local_source(self, video_id: str, source_uri: str, filename: str) -> Path:
        """A local path to an upload: the file itself with file storage, else a scratch copy.
        An ``s3://`` source outside our own storage (a worker on local files, an API that takes
        presigned S3 uploads) is read from that bucket through the configured S3 endpoint."""
        storage, key = self._source_storage(source_uri)
        if not await asyncio.to_thread(storage.exists, key):
            raise StorageError(f"the uploaded file {filename} is not in storage ({source_uri})")
        local = getattr(storage, "local_path", None)
        if local is not None:
            return local(key)
        dest = self.scratch_for(video_id) / ("source" + Path(key).suffix)
        if not dest.exists():
            # Two stages may fetch at once (transcribe's look at the picture, render): each writes
            # its own part file and the rename is atomic, so neither reads a half-written copy.
            part = dest.with_name(f"{dest.name}.{uuid.uuid4().hex[:8]}.part")
            try:
                await asyncio.to_thread(storage.download, key, part)
                part.replace(dest)
            finally:
                part.unlink(missing_ok=True)
        return dest

    def _source_storage(self, uri: str) -> tuple[Storage, str]:
        try:
            return self.storage, self.storage.key_of(uri)
        except StorageError:
            parsed = urlparse(uri)
            if parsed.scheme != "s3" or not parsed.netloc:
                raise
            if parsed.netloc not in self.other_buckets:  # one boto3 client per bucket, not per read
                self.other_buckets[parsed.netloc] = S3Storage(parsed.netloc, "", self.settings)
            return self.other_buckets[parsed.netloc], parsed.path.lstrip("/")


_runtime: Runtime | None = None
_lock = asyncio.Lock()


async def runtime() -> Runtime:
    global _runtime
    async with _lock:
        if _runtime is None:
            from streams.worker import topics
            from streams.worker.app import settings

            await topics.declare_all()
            pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=8)
            scratch = settings.data_dir / "worker" / "scratch"
            scratch.mkdir(parents=True, exist_ok=True)
            _runtime = Runtime(
                settings=settings,
                catalog=Catalog(pool),
                storage=open_storage(settings),
                triton=TritonClient(settings.triton_grpc_url),
                scratch=scratch,
            )
    return _runtime


async def report(
    tenant_id: str, video_id: str, stage: str, status: str, *, at: datetime | None = None, **fields
) -> None:
    """Publish a lifecycle event (``started``/``progress``/``finished``/``failed``).

    A milestone (``started``, ``finished``, ``failed``) is reported after its state is written, and
    again wherever a redelivered message finds that state already written: a worker killed
    between the write and the send would otherwise lose the event for good. Every report of a
    milestone is the same event (``records.lifecycle``): its id comes from (video, stage, status,
    and for a failure its time), its time from when the catalog recorded it (``at``, else looked up), so consumers keep it once.
    Its other ``fields`` must come from the record too. A milestone the catalog has not recorded
    (the video is gone, the stage did not get there) is not announced. ``progress`` is a new event
    each time."""
    from streams.worker import topics

    if status in MILESTONES and at is None:
        at = await (await runtime()).catalog.recorded_at(video_id, stage, status)
        if at is None:
            log.warning("%s %s: not reporting %s, which the catalog has not recorded", stage, video_id, status)
            return
    await topics.events.send(key=video_id, value=lifecycle(tenant_id, video_id, stage, status, at, **fields))


async def dead_letter(
    stage: str,
    key: str | bytes | None,
    value: bytes,
    code: str,
    reason: str,
    source_topic: str,
    *,
    origin: Origin | None = None,
    attempts: int = 1,
) -> None:
    """Set a message aside on the stage's dead-letter topic, the reason in its headers
    (``streams.domain.deadletters``). ``origin`` (where the message came from: partition, offset, its own
    key and headers) is best given; without it the record names only ``source_topic``."""
    from streams.worker import topics
    from streams.worker.app import settings

    if origin is None:
        origin = Origin(topic=source_topic, key=key.encode() if isinstance(key, str) else key, value=value)
    key_bytes, kept, headers = deadletters.letter(
        stage, origin, code, reason, attempts=attempts, max_value_bytes=settings.max_event_bytes
    )
    await topics.DEAD_LETTER[stage].send(key=key_bytes, value=kept, headers=headers)
    metrics.DEAD_LETTERS.labels(stage, code).inc()


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


def for_users(reason: str) -> str:
    """A failure's reason without any path of this machine (its data directory, storage root,
    scratch and temporary folders, stored objects' URIs): ``ops.redact``."""
    return _redactor()(reason)


@functools.cache
def _redactor() -> redact.Redactor:
    """The worker's redactor, its patterns compiled once."""
    from streams.worker.app import settings

    return redact.for_settings(settings)


async def give_up(
    stage: str,
    video_id: str,
    raw: bytes,
    code: str,
    reason: str,
    source_topic: str,
    *,
    origin: Origin | None,
    attempts: int,
    fails_video: bool = True,
) -> None:
    """The end of a message: dead-lettered, and its video failed (if ``fails_video``); a message
    that came for a video that had already failed (``VideoFailed``) announces that failure again.
    Never raises: if Kafka or the database is down too, that is logged and the stream goes on.
    The reason is recorded as users may read it (the dead letter's ``error`` reaches a tenant's
    analytics report): without this machine's paths (``ops.redact``; the log keeps them)."""
    reason = for_users(reason)
    try:
        await dead_letter(stage, video_id or None, raw, code, reason, source_topic, origin=origin, attempts=attempts)
    except Exception:
        log.exception("%s %s: could not write the dead letter (%s: %s)", stage, video_id, code, reason)
    if video_id and fails_video:
        try:
            await fail(video_id, stage, code, reason)
        except Exception:
            log.exception("%s %s: could not mark the video failed (%s: %s)", stage, video_id, code, reason)
    elif video_id and code == VideoFailed.code:
        # A message for a video that had failed: perhaps redelivered because the worker that failed
        # the video was killed before it announced the failure. Announce it (again).
        try:
            await report_failure(video_id)
        except Exception:
            log.exception("%s %s: could not announce the video's failure", stage, video_id)


async def fail(video_id: str, stage: str, code: str, reason: str) -> None:
    """Fail the video at ``stage`` with ``code`` and ``reason``, and announce its failure. A video
    fails once: if it had already failed, its first failure is announced again (not this one)."""
    rt = await runtime()
    reason = for_users(reason)  # what users read (API, events, webhooks); idempotent on give_up's
    failed_now = await rt.catalog.fail_video(video_id, stage, code, reason)
    await report_failure(video_id, stage if failed_now else None)
    rt.drop_scratch(video_id)


async def report_failure(video_id: str, stage: str | None = None) -> None:
    """Publish the ``failed`` events of a failed video (its stage's, then the video's), built from
    the failure the catalog recorded, so each announcement is the same pair of events. Nothing if
    the video has not failed. ``stage``: the stage that failed it, for a failure the catalog cannot
    tie to a stage (one at a stage that had already completed keeps its row completed)."""
    failure = await (await runtime()).catalog.failure(video_id)
    if failure is None:
        return
    fields = {
        "at": failure["failed_at"],
        "error_code": failure["error_code"],
        "reason": (failure["error"] or "")[:2000],
    }
    stage = failure["stage"] or stage
    if stage is not None:  # unknown when a later announcement cannot tell: only the video's then
        await report(failure["tenant_id"], video_id, stage, "failed", **fields)
    await report(failure["tenant_id"], video_id, "video", "failed", **fields)


async def video_to_process(video_id: str) -> Video | None:
    """The video's row (with its stages), or None if it is unknown (deleted: its messages are
    skipped). A video that already failed raises ``VideoFailed``: the stage sets the message aside
    on its dead-letter topic, so a replay after the fix finds every message the video still needs."""
    video = await (await runtime()).catalog.video(video_id)
    if video is None:
        log.warning("skipping a message for unknown video %s", video_id)
        return None
    if video.status == "failed":
        raise VideoFailed(
            f"the video had already failed ({video.error_code}: {video.error}), so this message was set aside"
        )
    return video


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def seconds(self) -> float:
        return round(time.monotonic() - self.started, 3)
