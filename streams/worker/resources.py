"""What the worker's agents share, opened once on first use (never at import time): the settings,
the catalog, storage, the Triton client and this machine's disk (``runtime``); and the video a
message is for (``video_to_process``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from streams.adapters.catalog import Catalog
from streams.adapters.db import create_pool
from streams.adapters.storage import Storage, open_storage
from streams.adapters.triton import TritonClient
from streams.adapters.workspace import Workspace
from streams.domain.video import Video
from streams.errors import VideoFailed
from streams.settings import Settings

log = logging.getLogger("clipstream")


@dataclass
class Runtime:
    """The worker's shared resources; ``workspace`` (this machine's disk: scratch directories and
    local copies of uploads) is made from the others."""

    settings: Settings
    catalog: Catalog
    storage: Storage
    triton: TritonClient
    scratch: Path
    workspace: Workspace = field(init=False)

    def __post_init__(self) -> None:
        self.workspace = Workspace(self.scratch, self.storage, self.settings)


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
