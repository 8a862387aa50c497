"""What a clip is rendered from (``streams.agents.render``; ``clip_spec`` puts it together): its
words in clip time with their speakers, what trimming keeps of it, the logo its brand kit names
fetched, and its reframe plans; and a video's clips' captions written again once its speakers
are final."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Mapping, Sequence

from streams.adapters.storage import TenantStorage, clip_file_key
from streams.agents.leftovers import forget
from streams.asr.languages import spoken_between
from streams.domain.transcript import TranscriptChunk
from streams.domain.video import Video
from streams.domain.words import Word
from streams.errors import ContractError, StorageError
from streams.media.captions import subtitles
from streams.media.editing import Editing
from streams.media.emphasis import emphasised
from streams.media.hesitations import loudness_of
from streams.media.hook import Hook
from streams.media.reframe.observations import Source
from streams.media.reframe.planner import plan_clip
from streams.media.reframe.reframe_plan import ReframePlan
from streams.media.reframe.stillness import picture_ended
from streams.media.render import RenderSpec, clip_audio, probe
from streams.media.sandbox.limits import SandboxLimits
from streams.media.trim import TrimOptions, TrimPlan
from streams.media.trim import plan as plan_trim
from streams.moments.titles import UNTITLED
from streams.ops.metrics import Stopwatch
from streams.speakers.turns import Turn
from streams.speakers.video import speakers_of_video, with_speakers
from streams.speakers.voices import Voices
from streams.worker.records import MomentCandidate
from streams.worker.resources import Runtime

STAGE = "render"
log = logging.getLogger("streams.agents.render")  # its lines read as the render stage's


def source_words(chunks: Sequence[TranscriptChunk], start: float, end: float, turns: Sequence[Turn] = ()) -> list[Word]:
    """The transcript's words inside [start, end], in source time, each with its speaker's label
    when the video's speaker ``turns`` are known."""
    eps = 1e-3
    return with_speakers([w for c in chunks for w in c.words if w.start >= start - eps and w.end <= end + eps], turns)


def clip_words(
    chunks: Sequence[TranscriptChunk],
    start: float,
    end: float,
    turns: Sequence[Turn] = (),
    trim: TrimPlan | None = None,
) -> tuple[Word, ...]:
    """The transcript's words inside [start, end] in clip time (of the trimmed clip, with a
    ``trim`` plan: a hesitation it takes out is gone), each with its speaker's label when the
    video's speaker ``turns`` are known."""
    inside = source_words(chunks, start, end, turns)
    if trim is not None and trim.trimmed:
        return tuple(trim.words(inside))
    return tuple(
        Word(w.word, round(max(0.0, w.start - start), 3), round(min(end, w.end) - start, 3), w.probability, w.speaker)
        for w in inside
    )


async def clip_spec(
    rt: Runtime,
    video: Video,
    chunks: Sequence[TranscriptChunk],
    moment: MomentCandidate,
    aspect: str,
    source: Path,
    plan: ReframePlan | None,
    logo: Path | None,
    style: str | None = None,
    chosen: Mapping[str, object] | None = None,
) -> RenderSpec:
    """What rendering ``moment`` in ``aspect`` from ``source`` asks for: its words in clip time
    with their speakers, what trimming keeps, its hook title and emphasis as the video's editing
    (or the re-render's ``chosen``) asks, the caption ``style`` (else the video's), the video's
    brand kit with its ``logo`` (``logo_of``) and the reframe ``plan``."""
    turns, names = await speakers_of_video(rt.catalog, video, chunks)
    brand = video.options.brand
    editing = Editing.of(chosen, video.options.as_json(), brand.editing_choices() if brand is not None else None)
    trim = await trim_plan(rt, source, video.video_id, chunks, moment.start, moment.end, editing.trim)
    words = clip_words(chunks, moment.start, moment.end, turns, trim)
    language = spoken_between(chunks, moment.start, moment.end)
    return RenderSpec(
        source=source,
        start=moment.start,
        end=moment.end,
        aspect=aspect,
        words=words,
        trim=trim,
        hook=Hook(moment.title) if editing.hook_title and titled(moment.title) else None,
        emphasis=emphasised(words, language, moment.title or "", editing.emoji) if editing.emphasis else {},
        speaker_names=names,
        caption_style=style or video.options.caption_style,
        preset=rt.settings.render_preset,
        crf=rt.settings.render_crf,
        brand=brand,
        logo=logo,
        plan=plan,
        faces=plan.faces if plan is not None else (),  # the thumbnail shows the speaker
        language=language,
    )


def titled(title: str | None) -> bool:
    """Whether a moment's title says something (a hook title is drawn only then)."""
    return bool(title and title.strip() and title != UNTITLED)


async def trim_plan(
    rt: Runtime,
    source: Path,
    video_id: str,
    chunks: Sequence[TranscriptChunk],
    start: float,
    end: float,
    mode: str,
) -> TrimPlan | None:
    """What of the clip ``[start, end]`` to keep (``media.trim``) by ``mode``; None for ``off``.
    The cuts are placed on the source's frames and
    at the quietest points of its audio; the sounds no word covers are the speech the speaker
    encoder's voice activity detector found (stored with each diarized chunk)."""
    if mode == "off":
        return None
    sandbox = SandboxLimits.from_settings(rt.settings)
    info = await asyncio.to_thread(probe, source, sandbox)
    scratch = rt.workspace.scratch_for(video_id) / f".audio-{start:.3f}-{end:.3f}.f32"
    pcm = await clip_audio(source, start, end - start, scratch) if info.has_audio else None
    sounds = [
        (a, b)
        for c in chunks
        if c.voices and c.end_s > start and c.start_s < end
        for a, b in Voices.from_json(c.voices).speech
        if a >= start and b <= end
    ]
    return plan_trim(
        source_words(chunks, start, end),
        start,
        end,
        TrimOptions(mode=mode),
        fps=info.fps if info.has_video else None,
        language=spoken_between(chunks, start, end),
        sounds=sounds,
        loudness=loudness_of(pcm, start) if pcm is not None and len(pcm) else None,
    )


async def final_speakers(rt: Runtime, video: Video, chunks: Sequence[TranscriptChunk]) -> None:
    """The video's clips' SRT, VTT and hand-off captions under the video's final speakers. A clip
    rendered while the video streamed was captioned with the speakers as labelled then; the pass
    over the whole video may merge two of them (``speakers.clustering.merged``), so the text
    files are written again where a label changed (the picture, whose burned-in captions name no
    one, stays). A clip whose words are not the transcript's any more is left as it is."""
    turns, names = await speakers_of_video(rt.catalog, video, chunks)
    if not turns:
        return
    for clip in await rt.catalog.clips(video.video_id):

        def key(suffix: str, clip=clip) -> str:
            return clip_file_key(video.tenant_id, video.video_id, clip.clip_id, suffix)

        try:
            doc = json.loads(await asyncio.to_thread(rt.storage.get_bytes, key(".json")))
        except (StorageError, ValueError):
            continue  # rendered before hand-offs were kept, or gone: nothing to align
        captions = doc.get("captions") or {}
        trim = TrimPlan.from_json(clip.start_s, clip.end_s, doc.get("trim"))
        words = clip_words(chunks, clip.start_s, clip.end_s, turns, trim)
        drawn = captions.get("words") or []
        if [w.word for w in words] != [w.get("word") for w in drawn]:
            continue
        if [w.speaker for w in words] == [w.get("speaker") for w in drawn]:
            continue
        language = captions.get("language")
        for ext, text in subtitles(words, language, names).items():
            await asyncio.to_thread(rt.storage.put_bytes, key(f".{ext}"), text.encode("utf-8"))
        for w, said in zip(words, drawn):
            if w.speaker is None:
                said.pop("speaker", None)
            else:
                said["speaker"] = w.speaker
        for cue in captions.get("cues") or []:  # a cue is its first word's speaker's
            first = next((w for w in words if w.start >= cue["start"] - 1e-3), None)
            if first is not None and first.speaker is not None:
                cue["speaker"] = first.speaker
        body = json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")
        await asyncio.to_thread(rt.storage.put_bytes, key(".json"), body)
        if await rt.catalog.clip(clip.clip_id) is None:  # deleted meanwhile: what was written again goes
            await forget(rt, video.tenant_id, keys=[key(f".{ext}") for ext in ("srt", "vtt", "json")])
            continue
        log.info("clip %s of %s: captions relabelled with the video's final speakers", clip.clip_id, video.video_id)


async def logo_of(rt: Runtime, video: Video) -> Path | None:
    """The local copy of the logo the video's brand kit names (a brand asset of the video's
    tenant, by id), fetched from the tenant's part of storage into the video's scratch folder;
    None without one."""
    asset = video.options.logo_asset_id
    if asset is None:
        return None
    storage = TenantStorage(rt.storage, video.tenant_id)
    logo = rt.workspace.scratch_for(video.video_id) / "brand_logo.png"
    if not logo.exists():
        part = logo.with_name(logo.name + ".part")
        try:
            await asyncio.to_thread(storage.download, storage.brand_asset_key(asset), part)
        except StorageError as exc:
            if exc.retriable:
                raise
            raise ContractError(
                f"the brand asset {asset} named as the logo is gone (deleted after the video was submitted)"
            ) from None
        part.replace(logo)
    return logo


async def reframe_plans(
    rt: Runtime,
    path: Path,
    video: Video,
    chunks: Sequence[TranscriptChunk],
    moment,
    aspects: list[str],
    framing: str,
) -> dict:
    """Reframe plans for ``moment`` per aspect; empty (the renderer's centre crop) for the
    ``center`` framing or a source without a picture; ``still`` plans, whatever the framing, for
    a moment past the end of the source's pictures (``stillness.picture_ended``)."""
    if video.has_video is False:
        return {}
    sandbox = SandboxLimits.from_settings(rt.settings)
    info = await asyncio.to_thread(probe, path, sandbox)
    if not info.has_video:
        return {}
    if picture_ended(info.picture_end, moment.start, moment.end):
        framing = "still"
    elif framing == "center":
        return {}
    source = Source(info.width, info.height, info.fps or 25.0)
    clock = Stopwatch()
    voices = []
    if framing != "still":  # who the audio says speaks over the clip: the split screen and the crop follow the voice
        turns, _ = await speakers_of_video(rt.catalog, video, chunks)
        voices = [(t.start, t.end, t.speaker) for t in turns if t.end > moment.start and t.start < moment.end]
    plans = await plan_clip(
        rt.triton, path, source, moment.start, moment.end, aspects, framing=framing, sandbox=sandbox, voices=voices
    )
    log.info(
        "reframed %s moment %s (%.0f s) as %s in %.1f s",
        video.video_id,
        moment.moment_id,
        moment.end - moment.start,
        {a: p.layout for a, p in plans.items()},
        clock.seconds,
    )
    return plans
