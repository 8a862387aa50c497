"""What a video leaves behind when it is deleted while a stage works on it, or when it ends on a
worker other than the one that finished it.

In storage: the API deletes a video's row, then every object under the video's prefix, then
measures the workspace's storage (``api.videos``), in that order. A stage stores first and reads
the row after: if the row is still there, the store came before the deletion's listing, which
finds the object; if the row is gone, the store may have come after that listing, so the stage
deletes what it stored itself (``forget``) and the workspace is measured again. Either way nothing
the user deleted stays in storage, held against the plan or billed.

On the worker's disk: a video's scratch directory (a copy of its source on S3 storage, frames,
renders in progress) is removed where the video ends, on the worker that ends it. Another worker
that held a copy (transcribe's look at the picture, a render group of several workers), or one
whose video was deleted, keeps it: every worker with a scratch directory sweeps it hourly
(``scratch_sweeper``) and removes the directories of videos no longer in flight that nothing has
touched for an hour.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from streams.adapters.storage import video_prefix
from streams.usage.metering import measure_again
from streams.worker.app import app
from streams.worker.periodic import repeat
from streams.worker.resources import Runtime

log = logging.getLogger(__name__)

SWEEP_SECONDS = 3600.0  # how often a worker sweeps its scratch directory
UNTOUCHED_SECONDS = 3600.0  # a video's scratch untouched this long, the video not in flight: removed
KEPT = ("posts",)  # the publisher's scratch (``streams.agents.publishing``), pruned by its own rule


async def video_gone(rt: Runtime, tenant_id: str, video_id: str) -> bool:
    """Whether the video was deleted, asked after storing under its prefix; if it was, its whole
    prefix is deleted again (what this stage stored may have come after the API's listing) and
    this worker's scratch for it goes."""
    if await rt.catalog.video(video_id) is not None:
        return False
    await forget(rt, tenant_id, prefix=video_prefix(tenant_id, video_id))
    await asyncio.to_thread(rt.workspace.drop_scratch, video_id)
    return True


async def forget(rt: Runtime, tenant_id: str, *, keys: Sequence[str] = (), prefix: str | None = None) -> None:
    """Delete the objects a stage stored for something deleted meanwhile (``keys``, or all under
    ``prefix``), then measure the workspace again: the deletion's own measure may have counted them."""
    if prefix is not None:
        await asyncio.to_thread(rt.storage.delete_prefix, prefix)
    for key in keys:
        await asyncio.to_thread(rt.storage.delete, key)
    await measure_again(rt.catalog.pool, rt.storage, tenant_id, datetime.now(UTC))


async def sweep_scratch(rt: Runtime, now: float, untouched_s: float = UNTOUCHED_SECONDS) -> list[str]:
    """Remove the scratch directories of videos not in flight (ended or deleted) that nothing has
    touched in ``untouched_s`` seconds before ``now`` (epoch seconds); the video ids removed."""
    idle = await asyncio.to_thread(rt.workspace.idle_scratch, now, untouched_s, KEPT)
    if not idle:
        return []
    done = sorted(set(idle) - await rt.catalog.in_flight_among(idle))
    for video_id in done:
        await asyncio.to_thread(rt.workspace.drop_scratch, video_id)
    return done


@app.task
async def scratch_sweeper() -> None:
    """Sweep this worker's scratch directory for as long as the worker runs; restarted if it fails."""
    await repeat("sweeping the scratch directory", _sweep, lambda rt: SWEEP_SECONDS)


async def _sweep(rt: Runtime) -> None:
    removed = await sweep_scratch(rt, time.time())
    if removed:
        log.info("removed the scratch of %d videos no longer in flight: %s", len(removed), removed)
