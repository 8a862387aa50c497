"""Ingest: validate an upload event, fetch the video when it was submitted by URL, probe the
media, and cut its audio into chunks. Probing and decoding run in a confined child process
(``streams.media.sandbox``): a hostile file fails its own video, never this worker.

Each chunk (16 kHz mono WAV in storage) is announced on ``audio_chunks`` as soon as it is cut,
so transcription of a long video starts while the rest is still being decoded. Chunk cut points
depend only on the audio, so a redelivered upload re-emits the same chunks under the same keys,
as the same events: each chunk's id is derived from its place and its time is when its WAV was
first stored (``put_once`` leaves a stored chunk as it is).
A redelivered upload of a video that has ended does no work: it announces ingest's milestones or
the failure again, as recorded (``StageReport.announce_end``), in case a killed worker never did.
A video deleted while it is read stops at the next thing stored, which goes with whatever else
reached its prefix after the API emptied it (``streams.agents.leftovers``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from streams.adapters.storage import audio_chunk_key, put_once
from streams.agents.leftovers import video_gone
from streams.domain.envelope import SCHEMA_VERSION, audio_chunk_event_id, stamp
from streams.errors import MediaError, PlanQuotaExceeded, StorageError
from streams.media.chunking import encode_wav
from streams.media.probe import MediaLimits
from streams.media.sandbox.limits import SandboxLimits
from streams.media.sandbox.reading import AudioChunks, probe_media
from streams.net.fetch import download
from streams.usage import store as usage
from streams.worker import topics
from streams.worker.app import app
from streams.worker.messages import consume
from streams.worker.records import AudioChunkReady
from streams.worker.reporting import StageReport
from streams.worker.resources import runtime

STAGE = "ingest"


@app.agent(topics.INBOUND["uploads"])
async def ingest(stream):
    """Uploads, as the API (or an outside producer: each is checked against its contract first)
    wrote them; the payload stays a dict, its options as they came."""
    await consume(STAGE, stream, "uploads", _ingest, as_record=False)


async def _ingest(upload: dict) -> None:
    rt = await runtime()
    video_id, tenant_id = upload["video_id"], upload["tenant_id"]
    await rt.catalog.create_video(
        video_id, tenant_id, upload["filename"], upload["source_uri"], upload["size_bytes"], upload["options"]
    )
    video = await rt.catalog.video(video_id)
    if video is None:  # deleted meanwhile
        return
    stage = StageReport(rt, tenant_id, video_id, STAGE)
    if video.status in ("failed", "completed"):  # a redelivered upload: its end announced again, nothing else
        await stage.announce_end(video, timed=True)
        return
    await stage.begin()

    if upload.get("source_url") and not await _download(rt, upload):
        return
    try:
        if not await _read(rt, upload, stage):
            return
    except MediaError as exc:
        if not exc.retriable:  # not media, or not media we take: its video fails, the file goes
            await _discard(rt, upload["source_uri"])
        raise
    except PlanQuotaExceeded:  # longer than the plan has minutes left: as refused media
        await _discard(rt, upload["source_uri"])
        raise
    await stage.complete()
    await stage.announce_end(await rt.catalog.video(video_id), timed=True, started=False, redelivered=False)


async def _discard(rt, source_uri: str) -> None:
    """Delete a refused upload from storage (one an outside producer keeps elsewhere is its own)."""
    try:
        key = rt.storage.key_of(source_uri)
    except StorageError:
        return
    await asyncio.to_thread(rt.storage.delete, key)


async def _read(rt, upload: dict, stage: StageReport) -> bool:
    """Probe the stored upload and publish its audio chunks; False if the video was deleted meanwhile."""
    video_id = upload["video_id"]
    source = await rt.workspace.local_source(video_id, upload["source_uri"], upload["filename"])
    limits = MediaLimits(max_bytes=rt.settings.max_upload_bytes, max_duration_seconds=rt.settings.max_duration_seconds)
    sandbox = SandboxLimits.from_settings(rt.settings)  # the upload is only ever parsed in a child process
    info = await asyncio.to_thread(probe_media, source, limits, upload["filename"], sandbox)
    await _within_plan(rt, upload["tenant_id"], video_id, info.duration)
    await rt.catalog.set_media(
        video_id,
        duration=info.duration,
        width=info.width,
        height=info.height,
        has_video=info.has_video,
        media_type=info.served_type,
    )

    chunks = AudioChunks(
        source,
        info,
        chunk_min_seconds=rt.settings.chunk_min_seconds,
        chunk_max_seconds=rt.settings.chunk_max_seconds,
        limits=limits,
        display_name=upload["filename"],
        sandbox=sandbox,
    )
    try:
        return await _publish_chunks(rt, stage, info, chunks)
    finally:
        chunks.close()


async def _within_plan(rt, tenant_id: str, video_id: str, seconds: float) -> None:
    """The source's minutes against the workspace's plan, now that its length is known."""
    async with rt.catalog.pool.acquire() as conn, conn.transaction():
        plan = await usage.plan_of(conn, tenant_id, rt.settings)
        await usage.admit_source(conn, tenant_id, video_id, plan, seconds, datetime.now(UTC))


async def _publish_chunks(rt, stage: StageReport, info, chunks: AudioChunks) -> bool:
    """Store and announce each chunk the moment the sandbox cuts it; False, the chunks stored
    gone, if the video was deleted meanwhile."""
    tenant_id, video_id = stage.tenant_id, stage.video_id
    count = 0
    while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
        key = audio_chunk_key(tenant_id, video_id, chunk.index)
        wav = encode_wav(chunk.pcm)
        if await video_gone(rt, tenant_id, video_id):  # deleted while the chunk was cut: not stored
            return False
        written = await asyncio.to_thread(put_once, rt.storage, key, wav)
        if await video_gone(rt, tenant_id, video_id):  # deleted as it was stored: it goes too
            return False
        event = AudioChunkReady(
            schema_version=SCHEMA_VERSION,
            event_id=audio_chunk_event_id(video_id, chunk.index),
            tenant_id=tenant_id,
            video_id=video_id,
            produced_at=stamp(written),
            chunk_index=chunk.index,
            start=round(chunk.start, 3),
            end=round(chunk.end, 3),
            audio_uri=rt.storage.uri(key),
            is_last=chunk.is_last,
            video_duration=round(info.duration, 3),
        )
        await topics.audio_chunks.send(key=video_id, value=event)
        count += 1
        progress = min(1.0, chunk.end / info.duration) if info.duration else None
        await stage.progress(progress)
    await rt.catalog.set_chunk_count(video_id, count)
    return True


async def _download(rt, upload: dict) -> bool:
    """Fetch a URL-submitted video into storage at its ``source_uri``, once: a redelivered event
    finds it there. Guarded on every hop (UnsafeUrl), capped at the upload size limit
    (MediaLimitExceeded) and the fetch timeout (SourceFetchFailed, retriable when the source may
    recover). False if the video was deleted meanwhile (what was fetched gone with it)."""
    video_id = upload["video_id"]
    key = rt.storage.key_of(upload["source_uri"])
    if await asyncio.to_thread(rt.storage.exists, key):
        return True
    part = rt.workspace.scratch_for(video_id) / "download.part"
    try:
        with open(part, "wb") as f:
            size = await download(
                upload["source_url"],
                f,
                allowed_hosts=rt.settings.webhook_hosts,
                max_bytes=rt.settings.max_upload_bytes,
                timeout=rt.settings.source_fetch_timeout_seconds,
            )
        await asyncio.to_thread(rt.storage.put_file, key, part)
    finally:
        part.unlink(missing_ok=True)
    if await video_gone(rt, upload["tenant_id"], video_id):
        return False
    await rt.catalog.set_size(video_id, size)
    return True
