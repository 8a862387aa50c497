"""What a stage stored for a video, or a clip, deleted while it worked.

The API deletes a video's row, then every object under the video's prefix, then measures the
workspace's storage (``api.videos``), in that order. A stage stores first and reads the row after:
if the row is still there, the store came before the deletion's listing, which finds the object;
if the row is gone, the store may have come after that listing, so the stage deletes what it
stored itself (``forget``) and the workspace is measured again. Either way nothing the user
deleted stays in storage, held against the plan or billed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from streams.adapters.storage import video_prefix
from streams.usage.metering import measure_again
from streams.worker.resources import Runtime


async def video_gone(rt: Runtime, tenant_id: str, video_id: str) -> bool:
    """Whether the video was deleted, asked after storing under its prefix; if it was, its whole
    prefix is deleted again (what this stage stored may have come after the API's listing)."""
    if await rt.catalog.video(video_id) is not None:
        return False
    await forget(rt, tenant_id, prefix=video_prefix(tenant_id, video_id))
    return True


async def forget(rt: Runtime, tenant_id: str, *, keys: Sequence[str] = (), prefix: str | None = None) -> None:
    """Delete the objects a stage stored for something deleted meanwhile (``keys``, or all under
    ``prefix``), then measure the workspace again: the deletion's own measure may have counted them."""
    if prefix is not None:
        await asyncio.to_thread(rt.storage.delete_prefix, prefix)
    for key in keys:
        await asyncio.to_thread(rt.storage.delete, key)
    await measure_again(rt.catalog.pool, rt.storage, tenant_id, datetime.now(UTC))
