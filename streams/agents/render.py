"""Render: for each picked moment (and each requested aspect), cut, crop and caption a clip,
store its mp4, SRT, VTT and thumbnail, record it, and announce it on ``renders``.

Provisional picks are rendered as soon as they arrive, so a long video's first clips exist
while its later minutes are still being transcribed; the final ranking renders whatever is
left, re-ranks, and completes the video. A clip's id, object keys and row are derived from
(video, moment, aspect), so a redelivered or restarted render writes the same objects and at
most one row.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil

from streams import topics
from streams.app import app
from streams.media.captions import CaptionWord
from streams.media.render import RenderSpec, render_clip
from streams.records import (
    SCHEMA_VERSION,
    ClipRendered,
    MomentsFound,
    new_event_id,
    utc_now,
)
from streams.runtime import (
    Runtime,
    Stopwatch,
    consume,
    report,
    runtime,
    video_to_process,
)

STAGE = "render"


@app.agent(topics.moments)
async def render(stream):
    await consume(STAGE, stream, "moments", _render)


def clip_id(video_id: str, moment_id: str, aspect: str) -> str:
    return hashlib.sha1(f"{video_id}:{moment_id}:{aspect}".encode()).hexdigest()[:16]


def _clip_words(chunks: list[dict], start: float, end: float) -> tuple[CaptionWord, ...]:
    """The transcript's words inside [start, end], in clip time."""
    eps = 1e-3
    return tuple(
        CaptionWord(w["word"], round(max(0.0, w["start"] - start), 3), round(min(end, w["end"]) - start, 3))
        for c in chunks for w in c["words"]
        if w["start"] >= start - eps and w["end"] <= end + eps
    )


async def _render(found: MomentsFound) -> None:
    rt = await runtime()
    video_id = found.video_id
    video = await video_to_process(video_id)
    if video is None or video["status"] == "completed":
        return
    render_stage = next(s for s in video["stages"] if s["stage"] == STAGE)
    if render_stage["status"] == "pending":
        await rt.catalog.stage(video_id, STAGE, "running")
        await report(found.tenant_id, video_id, STAGE, "started")
    options = video["options"]
    aspects = options.get("aspect_ratios") or ["9:16"]
    wanted = int(options.get("clip_count", 5)) * len(aspects)
    chunks = await rt.catalog.transcript_chunks(video_id)
    for moment in found.moments:
        for aspect in aspects:
            await _render_one(rt, found, video, chunks, moment, aspect)
            done = len(await rt.catalog.clips(video_id))
            await rt.catalog.stage(video_id, STAGE, "running", min(0.99, done / max(1, wanted)))
    if found.is_final:
        await rt.catalog.stage(video_id, STAGE, "completed")
        await report(found.tenant_id, video_id, STAGE, "finished")
        if await rt.catalog.complete_video(video_id):
            await report(found.tenant_id, video_id, "video", "finished")
        rt.drop_scratch(video_id)


async def _render_one(rt: Runtime, found: MomentsFound, video: dict, chunks: list[dict], moment, aspect: str) -> None:
    video_id = found.video_id
    cid = clip_id(video_id, moment.moment_id, aspect)
    if await rt.catalog.clip_exists(cid):
        return
    clock = Stopwatch()
    source = await rt.local_source(video_id, video["source_uri"], video["filename"])
    spec = RenderSpec(
        source=source, start=moment.start, end=moment.end, aspect=aspect,
        words=_clip_words(chunks, moment.start, moment.end),
        caption_style=video["options"].get("caption_style", "bold"),
        preset=rt.settings.render_preset, crf=rt.settings.render_crf,
    )
    out_dir = rt.scratch_for(video_id) / cid
    rendered = await render_clip(spec, out_dir, stem=cid)
    keys = {}
    for kind, path in (("mp4", rendered.mp4), ("srt", rendered.srt), ("vtt", rendered.vtt),
                       ("thumbnail", rendered.thumbnail)):
        key = f"videos/{video_id}/clips/{cid}{path.suffix}"
        await asyncio.to_thread(rt.storage.put_file, key, path)
        keys[kind] = rt.storage.uri(key)
    shutil.rmtree(out_dir, ignore_errors=True)
    duration = round(rendered.duration, 3)
    await rt.catalog.save_clip({
        "clip_id": cid, "video_id": video_id, "moment_id": moment.moment_id, "aspect": aspect,
        "start": moment.start, "end": moment.end, "duration": duration, "width": rendered.width,
        "height": rendered.height, "mp4_uri": keys["mp4"], "srt_uri": keys["srt"], "vtt_uri": keys["vtt"],
        "thumbnail_uri": keys["thumbnail"],
    })
    event = ClipRendered(
        schema_version=SCHEMA_VERSION, event_id=new_event_id(), tenant_id=found.tenant_id, video_id=video_id,
        produced_at=utc_now(), clip_id=cid, moment_id=moment.moment_id, rank=moment.rank, aspect=aspect,
        start=moment.start, end=moment.end, duration=duration, mp4_uri=keys["mp4"], srt_uri=keys["srt"],
        vtt_uri=keys["vtt"], thumbnail_uri=keys["thumbnail"],
    )
    await topics.renders.send(key=video_id, value=event)
    await report(found.tenant_id, video_id, STAGE, "progress",
                 duration_seconds=clock.seconds)
