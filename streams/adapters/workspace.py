"""This machine's disk as the worker uses it: a scratch directory per video (``scratch_for``,
``drop_scratch``), and a local path to an upload (``local_source``): the stored file itself with
file storage, else a copy fetched once into the video's scratch directory. ``idle_scratch``
names the directories nothing has touched for a while (``streams.agents.leftovers`` removes those
of videos no longer in flight)."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Collection
from pathlib import Path
from urllib.parse import urlparse

from streams.adapters.storage import S3Storage, Storage
from streams.errors import StorageError
from streams.settings import Settings


class Workspace:
    """Scratch space under ``root`` and local copies of uploads kept in ``storage`` (or, for an
    ``s3://`` source outside it, in that bucket through the configured S3 endpoint)."""

    def __init__(self, root: Path, storage: Storage, settings: Settings) -> None:
        self.root = root
        self.storage = storage
        self.settings = settings
        self.other_buckets: dict[str, S3Storage] = {}  # s3:// sources outside ``storage``

    def scratch_for(self, video_id: str) -> Path:
        path = self.root / video_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def drop_scratch(self, video_id: str) -> None:
        shutil.rmtree(self.root / video_id, ignore_errors=True)

    def idle_scratch(self, now: float, untouched_s: float, kept: Collection[str] = ()) -> list[str]:
        """The names of the scratch directories (video ids) in which nothing was created, changed
        or removed in the ``untouched_s`` seconds before ``now`` (epoch seconds), but for ``kept``."""
        idle = []
        for folder in self.root.iterdir() if self.root.is_dir() else ():
            try:
                if folder.name not in kept and folder.is_dir() and now - _last_touched(folder) > untouched_s:
                    idle.append(folder.name)
            except FileNotFoundError:  # removed meanwhile
                continue
        return sorted(idle)

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


def _last_touched(folder: Path) -> float:
    """The latest modification time of ``folder`` and of everything under it (epoch seconds)."""
    latest = folder.stat().st_mtime
    for path in folder.rglob("*"):
        try:
            latest = max(latest, path.stat().st_mtime)
        except FileNotFoundError:
            continue
    return latest
