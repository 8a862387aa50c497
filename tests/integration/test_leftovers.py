"""What a video leaves behind (``streams.agents.leftovers``), on real PostgreSQL and MinIO:

- deleted while ingest cuts its audio, a chunk stored after the API emptied the video's prefix goes
  too, with the worker's scratch for it, and the workspace is measured again without it; another
  video of the workspace keeps everything it stored;
- a worker's scratch sweep removes the directories of videos that ended or were deleted, not those
  of videos in flight nor the publisher's;
- a direct upload nobody confirmed a day after its form expired goes with its file, not one
  confirmed, one still within its day, nor one whose id a video took.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from streams import tenancy
from streams.adapters import pending_uploads
from streams.adapters.catalog import Catalog
from streams.adapters.db import create_pool
from streams.adapters.storage import open_storage, video_prefix
from streams.adapters.triton import TritonClient
from streams.agents import billing, ingest
from streams.agents.leftovers import sweep_scratch, video_gone
from streams.media.audio import SAMPLE_RATE
from streams.media.chunking import AudioChunk
from streams.media.probe import MediaLimits, probe
from streams.usage.metering import measure_again
from streams.worker.reporting import StageReport
from streams.worker.resources import Runtime

pytestmark = pytest.mark.integration


class _Deletion:
    """The video deleted as ``DELETE /v1/videos/{id}`` deletes it (``api.videos``: the row, then
    every object under the video's prefix, then the workspace measured), run on the test's event
    loop from ingest's threads, once; ``measured_at`` is when its measure was taken."""

    def __init__(self, loop: asyncio.AbstractEventLoop, delete) -> None:
        self.loop, self.delete, self.measured_at = loop, delete, None

    def __call__(self) -> None:
        if self.measured_at is None:
            self.measured_at = asyncio.run_coroutine_threadsafe(self.delete(), self.loop).result()


class _DeletedWhileCut:
    """The chunks ingest reads after its first one was stored: the video is deleted while the
    second is being cut."""

    def __init__(self, deletion: _Deletion, second: AudioChunk) -> None:
        self.deletion, self.chunks = deletion, iter([second])

    def __iter__(self):
        return self

    def __next__(self) -> AudioChunk:
        self.deletion()
        return next(self.chunks)


class _DeletedWhileStored:
    """The real storage, but the video is deleted while a chunk is being stored: after ingest
    last found it there and before the chunk's bytes land."""

    def __init__(self, storage, deletion: _Deletion) -> None:
        self.storage, self.deletion = storage, deletion

    def __getattr__(self, name: str):
        return getattr(self.storage, name)

    def put_bytes(self, key: str, data: bytes) -> int:
        self.deletion()
        return self.storage.put_bytes(key, data)


@pytest.mark.parametrize("deleted_while", ["cut", "stored"])
async def test_a_chunk_stored_after_its_video_was_deleted_goes_and_the_workspace_is_measured_again(
    stack, media_dir, tmp_path, deleted_while
):
    settings = stack
    jfk = media_dir / "speech" / "jfk.wav"
    source = jfk.read_bytes()
    info = probe(jfk, MediaLimits())
    pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=4)
    storage = open_storage(settings)
    try:
        tenant, _ = await tenancy.create_tenant(pool, f"leftovers-{uuid.uuid4().hex[:6]}")
        tenant_id = tenant.tenant_id
        catalog = Catalog(pool)
        doomed, kept = (uuid.uuid4().hex for _ in range(2))
        for video_id in (doomed, kept):
            key = f"{video_prefix(tenant_id, video_id)}source.wav"
            await asyncio.to_thread(storage.put_bytes, key, source)
            await catalog.create_video(video_id, tenant_id, "jfk.wav", storage.uri(key), len(source), {})
        first = f"{video_prefix(tenant_id, doomed)}audio/00000.wav"  # stored before the deletion
        await asyncio.to_thread(storage.put_bytes, first, source[: len(source) // 2])

        async def delete() -> datetime:
            assert await catalog.for_tenant(tenant_id).delete_video(doomed) is not None
            await asyncio.to_thread(storage.delete_prefix, video_prefix(tenant_id, doomed))
            now = datetime.now(UTC)
            await measure_again(pool, storage, tenant_id, now)
            return now

        half = round(info.duration / 2, 3)
        second = AudioChunk(1, half, info.duration, np.zeros(int(half * SAMPLE_RATE), np.float32), True)
        deletion = _Deletion(asyncio.get_running_loop(), delete)
        if deleted_while == "cut":
            chunks, stores = _DeletedWhileCut(deletion, second), storage
        else:
            chunks, stores = iter([second]), _DeletedWhileStored(storage, deletion)
        rt = Runtime(settings, catalog, stores, TritonClient(settings.triton_grpc_url), tmp_path)
        (rt.workspace.scratch_for(doomed) / "source.wav").write_bytes(source)  # the worker's copy
        published = await ingest._publish_chunks(rt, StageReport(rt, tenant_id, doomed, "ingest"), info, chunks)

        left = await asyncio.to_thread(lambda: list(storage.list(video_prefix(tenant_id, doomed))))
        kept_keys = await asyncio.to_thread(lambda: list(storage.list(video_prefix(tenant_id, kept))))
        kept_gone = await video_gone(rt, tenant_id, kept)
        measured = await pool.fetchrow(
            "SELECT bytes, measured_at FROM storage_snapshots WHERE tenant_id = $1 ORDER BY day DESC LIMIT 1",
            tenant_id,
        )
        await catalog.delete_video(kept)
        await asyncio.to_thread(storage.delete_prefix, video_prefix(tenant_id, kept))
    finally:
        await pool.close()
    assert published is False and deletion.measured_at is not None  # stopped at the second chunk
    assert left == []  # nothing of the video is left, the first chunk nor the second
    assert not (tmp_path / doomed).exists()  # nor the worker's copy
    assert kept_gone is False and kept_keys == [f"{video_prefix(tenant_id, kept)}source.wav"]
    # measured again after the late chunk went: the kept video's source alone
    assert measured["bytes"] == len(source) and measured["measured_at"] > deletion.measured_at, dict(measured)


async def test_the_scratch_sweep_removes_what_videos_no_longer_in_flight_left_untouched(stack, tmp_path):
    settings = stack
    pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
    try:
        catalog = Catalog(pool)
        tenant, _ = await tenancy.create_tenant(pool, f"sweep-{uuid.uuid4().hex[:6]}")
        ids = {name: uuid.uuid4().hex for name in ("in_flight", "completed", "failed", "deleted", "busy_ended")}
        for video_id in ids.values():
            await catalog.create_video(video_id, tenant.tenant_id, "talk.mp4", f"file:///nowhere/{video_id}", 10, {})
        await catalog.set_media(ids["in_flight"], duration=10.0, width=None, height=None, has_video=False)
        for name in ("completed", "busy_ended"):
            await catalog.complete_video(ids[name])
        await catalog.fail_video(ids["failed"], "transcribe", "no_speech", "no speech")
        await catalog.delete_video(ids["deleted"])
        rt = Runtime(settings, catalog, open_storage(settings), TritonClient(settings.triton_grpc_url), tmp_path)
        hour_ago = time.time() - 3700
        for name, video_id in [*ids.items(), ("posts", "posts")]:
            folder = rt.workspace.scratch_for(video_id)
            (folder / "frames").mkdir()
            (folder / "frames" / "0001.jpg").write_bytes(b"x")
            for path in (folder / "frames" / "0001.jpg", folder / "frames", folder):
                os.utime(path, (hour_ago, hour_ago))
        (tmp_path / ids["busy_ended"] / "frames" / "0002.jpg").write_bytes(b"y")  # a re-render writing now
        removed = await sweep_scratch(rt, time.time())
        again = await sweep_scratch(rt, time.time())
        for video_id in ids.values():
            await catalog.delete_video(video_id)
    finally:
        await pool.close()
    assert removed == sorted(ids[name] for name in ("completed", "failed", "deleted")) and again == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([ids["in_flight"], ids["busy_ended"], "posts"])


async def test_a_direct_upload_nobody_confirmed_a_day_after_its_form_expired_goes_with_its_file(stack, tmp_path):
    settings = stack
    pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
    storage = open_storage(settings)
    try:
        tenant, _ = await tenancy.create_tenant(pool, f"uploads-{uuid.uuid4().hex[:6]}")
        tenant_id = tenant.tenant_id
        expired = {"abandoned": -2.0, "within_its_day": -0.5, "confirmed": -2.0, "taken": -2.0}  # days
        ids, keys = {}, {}
        for name, days in expired.items():
            ids[name] = uuid.uuid4().hex
            keys[name] = f"{video_prefix(tenant_id, ids[name])}source.mp4"
            await asyncio.to_thread(storage.put_bytes, keys[name], b"a file sent to the form")
            await pending_uploads.create(pool, tenant_id, ids[name], keys[name], "talk.mp4", 100, {},
                                         timedelta(days=days))
        assert (await pending_uploads.claim(pool, tenant_id, ids["confirmed"])).first
        # a confirm that failed after its video was registered leaves the upload unclaimed
        await Catalog(pool).create_video(ids["taken"], tenant_id, "talk.mp4", storage.uri(keys["taken"]), 23, {})
        rt = Runtime(settings, Catalog(pool), storage, TritonClient(settings.triton_grpc_url), tmp_path)
        count = await billing.abandon_uploads(rt, datetime.now(UTC))
        again = await billing.abandon_uploads(rt, datetime.now(UTC))
        files = {name: await asyncio.to_thread(storage.exists, key) for name, key in keys.items()}
        rows = {name: await pending_uploads.claim(pool, tenant_id, upload_id) is not None
                for name, upload_id in ids.items()}
        await Catalog(pool).delete_video(ids["taken"])
        for key in keys.values():
            await asyncio.to_thread(storage.delete, key)
    finally:
        await pool.close()
    assert count >= 1 and again == 0  # others' uploads may be swept too; the second sweep finds nothing
    assert files == {"abandoned": False, "within_its_day": True, "confirmed": True, "taken": True}
    assert rows == {"abandoned": False, "within_its_day": True, "confirmed": True, "taken": True}
