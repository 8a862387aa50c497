"""Render: for each picked moment (and each requested aspect), cut, crop and caption a clip,
store its mp4, SRT, VTT, thumbnail and editor hand-off JSON, record it, and announce it on
``renders``.

Provisional picks are rendered as soon as they arrive, so a long video's first clips exist
while its later minutes are still being transcribed; the final ranking renders whatever is
left, re-ranks, and completes the video. A clip's id, object keys and row are derived from
(video, moment, aspect), so a redelivered or restarted render writes the same objects and at
most one row. A clip found already recorded is announced again from its row (a worker killed
between recording and announcing it would otherwise lose its ``clip.rendered`` for good), as the
same event: its id comes from the clip id, its time is the row's (``records.clip_rendered``).
Likewise a redelivered final ranking for a completed video reports the video's end again.

The clips of one message render concurrently, ``render_slots()`` at a time, each ffmpeg using its
share of the cores (``sharing``: a streamed pick beside the transcription keeps to a slot's, but
the video's first clip, for which transcription waits, has them all). A
video's ``options.brand`` (``streams.domain.brand.BrandKit``) styles its captions; its
``logo_asset_id`` names a brand asset of the video's tenant, fetched once per video.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Collection, Mapping, Sequence

from streams.adapters.storage import audio_prefix, clip_file_key
from streams.agents.leftovers import forget
from streams.agents.render_inputs import clip_spec, final_speakers, logo_of, reframe_plans
from streams.domain.clip import CLIP_SUFFIXES
from streams.domain.corrections import words_mark
from streams.domain.envelope import clip_id
from streams.domain.transcript import TranscriptChunk
from streams.domain.video import Video
from streams.media.editing import CHOICES
from streams.media.render import render_clip
from streams.media.sandbox.limits import SandboxLimits
from streams.ops import metrics
from streams.ops.metrics import Stopwatch
from streams.worker import topics
from streams.worker.app import app
from streams.worker.messages import consume
from streams.worker.records import MomentCandidate, MomentsFound, RenderRequested, clip_rendered
from streams.worker.reporting import StageReport, report
from streams.worker.resources import Runtime, runtime, video_to_process

STAGE = "render"
log = logging.getLogger(__name__)


@app.agent(topics.INBOUND["moments"])
async def render(stream):
    await consume(STAGE, stream, "moments", _render)


@app.agent(topics.INBOUND["render_requests"])
async def rerender(stream):
    # A broken re-render request fails no video: the video itself is done.
    await consume(STAGE, stream, "render_requests", _rerender, fails_video=False)


async def _rerender(request: RenderRequested) -> None:
    """Render one stored moment again as asked through the API; the video's state is untouched."""
    rt = await runtime()
    video = await rt.catalog.video(request.video_id)
    moment = next((m for m in await rt.catalog.moments(request.video_id) if m.moment_id == request.moment_id), None)
    if video is None or moment is None:
        log.warning("re-render %s: video %s or moment %s is gone", request.clip_id, request.video_id, request.moment_id)
        return
    start, end = moment.start_s, moment.end_s
    if request.start is not None and request.end is not None:
        start, end = request.start, request.end
    candidate = MomentCandidate(
        moment_id=moment.moment_id,
        rank=moment.rank or 1,
        start=start,
        end=end,
        score=moment.score,
        signals=moment.signals,
        reason=moment.reason,
        title=moment.title,
        speakers=list(moment.speakers),
    )
    chunks = await rt.catalog.transcript_chunks(request.video_id)
    logo = await logo_of(rt, video)
    framing = video.options.framing

    async def source() -> Path:
        return await rt.workspace.local_source(video.video_id, video.source_uri, video.filename)

    async def plan(m: MomentCandidate) -> dict:
        return await reframe_plans(rt, await source(), video, chunks, m, [request.aspect], framing)

    clips = ClipRendering(rt, request, video, chunks, logo, 2, source, plan)
    await clips.render(
        candidate,
        request.aspect,
        style=request.caption_style,
        variant=request.variant or request.caption_style,
        chosen={name: getattr(request, name) for name in CHOICES},
    )


def render_slots(cpus: int | None = None, clips: int | None = None) -> tuple[int, int]:
    """``(clips at once, ffmpeg threads each)`` for a machine with ``cpus`` cores and a message of
    ``clips`` clips (None: as many as fill the slots): one clip per core up to 4 (a single x264
    pipeline does not keep many cores busy: the decoder, the scaler and libass are mostly serial),
    the cores shared out between the clips that can run at once. So a message of one clip (a short
    video's only clip) renders on every core, not on one while the rest wait (DEVELOPERS.md: nearly
    twice as fast on two cores, for a few % more CPU)."""
    cpus = max(1, cpus or os.cpu_count() or 1)
    slots = min(4, cpus)
    running = min(slots, clips) if clips else slots
    return slots, max(1, cpus // running)


def sharing(
    found: MomentsFound, video: Video, aspects: Sequence[str], stored: Collection[str], first_held: bool = False
) -> int | None:
    """How many clips share all the cores (``render_slots(clips=...)``): those of the message not
    ``stored`` yet; or None, each clip keeping to a slot's share, when the message is a streamed pick
    read while the video is still being transcribed (Whisper has the other cores). A streamed pick
    read after the transcription ended (picks queue behind the clips before them) has the machine
    to itself: on one thread it would leave every other core idle. So has the video's first clip
    when transcription waits for it (``first_held``: ``first_clip_hold_seconds`` set)."""
    transcription = video.stage("transcribe")
    transcribing = transcription is None or transcription.status != "completed"
    if not found.is_final and transcribing and not (first_held and not stored):
        return None
    return sum(clip_id(video.video_id, m.moment_id, a) not in stored for m in found.moments for a in aspects)


async def _render(found: MomentsFound) -> None:
    rt = await runtime()
    video_id = found.video_id
    video = await video_to_process(video_id)
    if video is None:
        return
    stage = StageReport(rt, found.tenant_id, video_id, STAGE)
    if video.status == "completed":
        if found.is_final:  # redelivered: the worker that completed the video may have died before saying so
            await _announce_end(stage)
        return
    render_stage = video.stage(STAGE)
    if render_stage is not None and render_stage.status == "pending":
        await stage.begin()
    aspects = list(video.options.aspect_ratios)
    wanted = video.options.clip_count * len(aspects)
    chunks = await rt.catalog.transcript_chunks(video_id)
    logo = await logo_of(rt, video)
    stored = {clip.clip_id for clip in await rt.catalog.clips(video_id)}
    first_held = rt.settings.first_clip_hold_seconds > 0
    slots, threads = render_slots(clips=sharing(found, video, aspects, stored, first_held))
    gate, fetching = asyncio.Semaphore(slots), asyncio.Lock()

    async def source() -> Path:
        async with fetching:  # one download of the source, however many clips want it at once
            return await rt.workspace.local_source(video_id, video.source_uri, video.filename)

    framing = video.options.framing
    plans: dict[str, asyncio.Future] = {}

    async def plan(moment: MomentCandidate) -> dict:
        """The moment's reframe plans, one per aspect: faces detected once for all of them."""
        if moment.moment_id not in plans:
            plans[moment.moment_id] = asyncio.ensure_future(
                reframe_plans(rt, await source(), video, chunks, moment, aspects, framing)
            )
        return await asyncio.shield(plans[moment.moment_id])

    clips = ClipRendering(rt, found, video, chunks, logo, threads, source, plan)

    async def one(moment: MomentCandidate, aspect: str) -> None:
        async with gate:
            await clips.render(moment, aspect)
        done = len(await rt.catalog.clips(video_id))
        await stage.progress(min(0.99, done / max(1, wanted)))

    try:
        await _all_or_none([one(moment, aspect) for moment in found.moments for aspect in aspects])
    finally:  # a plan is shielded from the clips that wait on it: it ends with them, its failure seen
        for pending in plans.values():
            pending.cancel()
            pending.add_done_callback(_seen)
        if plans:  # and its look's child is gone before a retry or the next message starts others
            await asyncio.wait(list(plans.values()))
    if found.is_final:
        now = await rt.catalog.video(video_id)  # transcribed by now: the speakers are final
        if now is not None:  # every chunk was in before the final ranking: those read above
            await final_speakers(rt, now, chunks)
        await stage.complete()
        await rt.catalog.complete_video(video_id)
        await _announce_end(stage)
        rt.workspace.drop_scratch(video_id)


async def _announce_end(stage: StageReport) -> None:
    """Report the render stage's and the video's milestones as the catalog has them: the stage's
    start (lost if a worker died between marking it running and reporting) and end, and the
    video's completion. The same events each time (``reporting.report``), so a redelivered final
    message announces again whatever a killed worker may not have, and consumers keep each once.
    A completed video's audio chunks, which were for transcription alone, go first: the workspace
    is measured again on its completion."""
    video = await stage.rt.catalog.video(stage.video_id)
    if video is None:
        return
    if video.status == "completed":
        await asyncio.to_thread(stage.rt.storage.delete_prefix, audio_prefix(stage.tenant_id, stage.video_id))
    await stage.announce_end(video)
    if video.status == "completed":
        await report(stage.tenant_id, stage.video_id, "video", "finished", at=video.finished_at)


def _seen(future: asyncio.Future) -> None:
    """Retrieve a finished future's failure, which a cancelled waiter left unread."""
    if not future.cancelled():
        future.exception()


async def _all_or_none(jobs) -> None:
    """Run ``jobs`` concurrently; on the first failure cancel the rest (their ffmpeg is killed)
    and raise that failure itself, not a group, so the failure policy sees its class."""
    tasks = [asyncio.ensure_future(j) for j in jobs]
    if not tasks:
        return
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:  # cancelled from outside
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    failed = next((t for t in tasks if t.done() and not t.cancelled() and t.exception()), None)
    if failed is not None:
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        raise failed.exception()


@dataclass(frozen=True)
class ClipRendering:
    """What the clips of one message share, and rendering one (``render``).

    Attributes:
        rt: the worker's resources.
        found: the message (the ranking, or a re-render request).
        video, chunks: its video and transcript.
        logo: the local copy of the logo the video's brand kit names (``logo_of``), or None.
        threads: ffmpeg threads per clip (``render_slots``).
        source: the source's local path, fetched once for all the clips.
        plans: a moment's reframe plans by aspect, worked out once for all its aspects.
    """

    rt: Runtime
    found: MomentsFound | RenderRequested
    video: Video
    chunks: Sequence[TranscriptChunk]
    logo: Path | None
    threads: int
    source: Callable[[], Awaitable[Path]]
    plans: Callable[[MomentCandidate], Awaitable[dict]]

    async def render(
        self,
        moment: MomentCandidate,
        aspect: str,
        *,
        style: str | None = None,
        variant: str = "",
        chosen: Mapping[str, object] | None = None,
    ) -> None:
        """Render, store, record and announce ``moment``'s clip in ``aspect`` (a re-render: in
        caption ``style``, its clip id named by ``variant``, the editing ``chosen`` for it); a
        clip already recorded is announced again from its row."""
        rt, found, video = self.rt, self.found, self.video
        video_id = found.video_id
        cid = clip_id(video_id, moment.moment_id, aspect, variant)
        stored = await rt.catalog.clip(cid)
        if stored is not None:  # rendered before: announced again, as a killed worker may not have
            await topics.renders.send(key=video_id, value=clip_rendered(found.tenant_id, stored, moment.rank))
            return
        if await rt.catalog.clip_deleted(cid):  # someone deleted it: a redelivered message does not draw it again
            log.info("clip %s of video %s was deleted: not rendered again", cid, video_id)
            return
        clock = Stopwatch()
        source = await self.source()
        plan = (await self.plans(moment)).get(aspect)
        spec = await clip_spec(rt, video, self.chunks, moment, aspect, source, plan, self.logo, style, chosen)
        trim = spec.trim
        out_dir = rt.workspace.scratch_for(video_id) / cid
        rendered = await render_clip(
            spec, out_dir, stem=cid, threads=self.threads, sandbox=SandboxLimits.from_settings(rt.settings)
        )
        metrics.observe_render(rendered.frames, rendered.encode_seconds)
        keys = {}
        made = {"mp4": rendered.mp4, "srt": rendered.srt, "vtt": rendered.vtt, "thumbnail": rendered.thumbnail}
        made |= {"handoff": rendered.handoff, **({"cover": rendered.cover} if rendered.cover else {})}
        for kind, path in made.items():
            key = clip_file_key(found.tenant_id, video_id, cid, CLIP_SUFFIXES[kind])
            await asyncio.to_thread(rt.storage.put_file, key, path)
            keys[kind] = rt.storage.uri(key)
        shutil.rmtree(out_dir, ignore_errors=True)
        duration = round(rendered.duration, 3)
        await rt.catalog.save_clip(
            {
                "clip_id": cid,
                "video_id": video_id,
                "moment_id": moment.moment_id,
                "aspect": aspect,
                "start": moment.start,
                "end": moment.end,
                "duration": duration,
                "width": rendered.width,
                "height": rendered.height,
                "mp4_uri": keys["mp4"],
                "srt_uri": keys["srt"],
                "vtt_uri": keys["vtt"],
                "thumbnail_uri": keys["thumbnail"],
                "variant": variant,
                "caption_style": style or video.options.caption_style,
                "trimmed_seconds": trim.removed_seconds if trim is not None else 0.0,
                # the words corrected in its span as its captions read them: the API says when they no longer do
                "words_mark": words_mark(
                    (c for chunk in self.chunks for c in chunk.corrected), moment.start, moment.end
                ),
                "cover_uri": keys.get("cover"),
            }
        )
        # Announced from the row (which another worker racing on the same clip may have written
        # first), so this and every later announcement of the clip are the same event.
        stored = await rt.catalog.clip(cid)
        if stored is None:  # the clip, or its video with its clips, deleted meanwhile: nothing to keep
            await forget(rt, found.tenant_id, keys=[rt.storage.key_of(uri) for uri in keys.values()])
            return
        await topics.renders.send(key=video_id, value=clip_rendered(found.tenant_id, stored, moment.rank))
        await report(found.tenant_id, video_id, STAGE, "progress", duration_seconds=clock.seconds)
