"""What the worker's agents share: the catalog, storage, the Triton client and a scratch
directory, opened once on first use (never at import time), and the two ways a stage reports:
lifecycle events and failures.

A failure is handled in one place (``run_guarded``): a retriable error is tried again with
backoff up to ``stage_attempts`` times; then, or at once for a permanent error, the message goes
to the stage's dead-letter topic with the reason in its headers, the video is marked failed with a
reason a person can read, and a ``failed`` lifecycle event is published. The stream keeps flowing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar
from urllib.parse import urlparse

from streams.adapters.catalog import Catalog
from streams.adapters.db import create_pool
from streams.adapters.storage import S3Storage, Storage, open_storage
from streams.adapters.triton import TritonClient
from streams.errors import ClipstreamError, StorageError
from streams.records import SCHEMA_VERSION, Lifecycle, new_event_id, utc_now
from streams.settings import Settings

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
            from streams import topics
            from streams.app import settings

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


async def report(tenant_id: str, video_id: str, stage: str, status: str, **fields) -> None:
    """Publish a lifecycle event (``started``/``progress``/``finished``/``failed``)."""
    from streams import topics

    event = Lifecycle(
        schema_version=SCHEMA_VERSION, event_id=new_event_id(), tenant_id=tenant_id, video_id=video_id,
        produced_at=utc_now(), stage=stage, status=status, **fields,
    )
    await topics.events.send(key=video_id, value=event)


async def dead_letter(stage: str, key: str | None, value: bytes, code: str, reason: str, source_topic: str) -> None:
    from streams import topics

    headers = {"error_code": code.encode(), "error": reason[:2000].encode(), "source_topic": source_topic.encode()}
    await topics.DEAD_LETTER[stage].send(key=key, value=value, headers=headers)


async def run_guarded(
    stage: str,
    *,
    tenant_id: str,
    video_id: str,
    raw: bytes,
    source_topic: str,
    work: Callable[[], Awaitable[None]],
) -> bool:
    """Run one message's work under the failure policy. True if it succeeded."""
    rt = await runtime()
    attempts = max(1, rt.settings.stage_attempts)
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            await work()
            return True
        except ClipstreamError as exc:
            error: Exception = exc
            code, reason, retriable = exc.code, exc.message, exc.retriable
        except Exception as exc:  # a bug or an outage: worth another try, then reported
            error = exc
            code, reason, retriable = "internal_error", f"{type(exc).__name__}: {exc}", True
        if retriable and attempt < attempts:
            log.warning("%s %s: attempt %d failed (%s); retrying", stage, video_id, attempt, reason)
            await asyncio.sleep(delay)
            delay *= 2
            continue
        if code == "internal_error":
            log.exception("%s %s failed", stage, video_id, exc_info=error)
            _capture(error)
        else:
            log.warning("%s %s failed: %s", stage, video_id, reason)
        await dead_letter(stage, video_id, raw, code, reason, source_topic)
        if video_id:
            await fail(tenant_id, video_id, stage, code, reason)
        return False
    return False


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


async def consume(stage: str, stream, source_topic: str, work: Callable[[Any], Awaitable[None]]) -> None:
    """The loop of an agent over a topic of pipeline records: each record's ``work`` runs under
    the failure policy, so no failure ever stops the agent."""
    from streams.records import to_payload

    async for record in stream:
        raw = json.dumps(to_payload(record)).encode()
        await run_guarded(stage, tenant_id=record.tenant_id, video_id=record.video_id, raw=raw,
                          source_topic=source_topic, work=lambda record=record: work(record))


async def fail(tenant_id: str, video_id: str, stage: str, code: str, reason: str) -> None:
    rt = await runtime()
    if await rt.catalog.fail_video(video_id, stage, code, reason):
        await report(tenant_id, video_id, stage, "failed", error_code=code, reason=reason[:2000])
        await report(tenant_id, video_id, "video", "failed", error_code=code, reason=reason[:2000])
    rt.drop_scratch(video_id)


async def video_to_process(video_id: str) -> dict | None:
    """The video's row (with its stages), or None if it already failed or is unknown: later
    stages skip the remaining messages of such a video."""
    video = await (await runtime()).catalog.video(video_id)
    if video is None:
        log.warning("skipping a message for unknown video %s", video_id)
        return None
    return None if video["status"] == "failed" else video


def _capture(exc: Exception) -> None:
    try:
        import sentry_sdk

        sentry_sdk.capture_exception(exc)
    except Exception:  # reporting must never break the stream
        pass


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def seconds(self) -> float:
        return round(time.monotonic() - self.started, 3)
