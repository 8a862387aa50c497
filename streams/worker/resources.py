"""What the worker's agents share, opened once on first use (never at import time): the settings,
the catalog, storage, the Triton client and a scratch directory per video (``runtime``); and the
video a message is for (``video_to_process``).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from streams.adapters.catalog import Catalog
from streams.adapters.db import create_pool
from streams.adapters.storage import S3Storage, Storage, open_storage
from streams.adapters.triton import TritonClient
from streams.domain.video import Video
from streams.errors import StorageError, VideoFailed
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
