"""Moments: after each transcript chunk, find the clip candidates whose neighbourhood is now
known and pick the best for rendering at once; when the last chunk is in, fill up to the clip
count and publish the final ranking.

When the last chunk is in, the final ranking chooses again among every candidate of the whole
video (``StreamingSelector.reconsider``): the streamed picks, scored again with the whole talk
known, and any window clearly better than one of them. A pick that loses its place is recorded as
*superseded* (its clip stays, ranked after the final ones) and named in the final
``MomentsFound``; a window that joins is rendered then. The API tells final clips from
provisional and superseded ones.

The picks are a pure function of the stored transcript, stepped chunk by chunk
(``streams.moments.streaming``): a worker keeps each video's stream from one chunk to the next, so
a chunk costs the same at the fourth hour as at the first minute, and one that lacks it (after a
restart, a rebalance or a redelivery) replays the stream from the catalog's chunks. Either way the
same picks (same moment ids) are made and announced as the same ``MomentsFound`` (its id derived
from the chunk, its time the one recorded), which ClickHouse's ``events`` keeps once.

Options: ``clip_count``; ``length`` (a preset of ``LENGTH_PRESETS``: "15-30", "30-60", "60-90")
or else ``min_seconds``/``max_seconds``; ``max_overlap`` (share of the shorter clip two clips may
have in common, default 0). Topics and the editorial signal come from sentence embeddings
(all-MiniLM-L6-v2 in numpy, loaded once per process, each sentence embedded once) and the editorial
head trained on labelled talks at setup (``streams.moments.editorial_head``); sentences in other
languages are read for what editors clip with multilingual-e5-small and its own head
(``multilingual_reader``). All are required: a worker that runs this agent loads them before it starts (``streams.worker.process``) and does not
start without them (``ModelMissing``), rather than rank without what matters most.

Each clip the moments announce is read by the clip judge (``streams.judge``, a language model on
Triton), which writes its title and reason and scores it as a standalone clip (``judge_*`` signals
in its breakdown). Its answers are checked and asked again when malformed; its verdicts are kept
in the catalog by content, so a replay asks nothing twice. The setting ``moment_judge``
(``CLIPSTREAM_MOMENT_JUDGE=on``) turns it on; off (the default until it has been measured through
the whole pipeline) ranks and titles by rules alone and says so once, in the video's ``ranking``
(not in every reason, where it would read as boilerplate).

Besides the words, each stored chunk brings its loudness envelope and pitch track (measured by
the transcribe agent from the chunk's PCM) and what was on screen: faces counted on about one
frame a second and the scene cuts (``media.onscreen``). They are joined over the chunks known so
far into one ``Evidence`` for the energy, pitch, faces and scene_cuts signals. A signal whose input
is missing (an audio-only upload has no faces or cuts; chunks stored before pitch was measured
have no pitch) scores neutral for every candidate, so it changes no ranking.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Sequence

from streams.asr.languages import spoken_between
from streams.domain.envelope import SCHEMA_VERSION, moments_event_id, stamp
from streams.domain.moment import Moment, StoredMoment
from streams.domain.options import VideoOptions
from streams.domain.transcript import TranscriptChunk
from streams.errors import MalformedVerdict, NoSpeech
from streams.judge.verdict import Judged, ask_until_valid, cache_key
from streams.moments import ScoredMoment, as_moment, moment_id
from streams.moments.editorial_head import Head
from streams.moments.options import clip_length
from streams.moments.readers import editorial_head, multilingual_reader, sentence_encoder
from streams.moments.sentences import join_words
from streams.moments.streaming import MomentStream, Reader, Step
from streams.worker import topics
from streams.worker.app import app
from streams.worker.messages import consume
from streams.worker.records import MomentCandidate, MomentsFound, TranscriptChunkReady
from streams.worker.reporting import StageReport
from streams.worker.resources import runtime, video_to_process

STAGE = "moments"
log = logging.getLogger(__name__)


JUDGE_ATTEMPTS = 4  # answers asked of the judge for one clip before its output counts as unusable
RULES_ONLY = "ranked by rules alone: the clip judge is off"
UNJUDGED = "titled by rules: the clip judge's answers were unusable"


def _ranking(judge_model: str | None) -> dict:
    """How the video's clips are ranked and titled; ``judge_model``: the judge's weights, None when off."""
    if judge_model:
        return {
            "judge": "on",
            "model": judge_model,
            "note": "rules pick the moments; the clip judge titles them, explains them and scores them",
        }
    return {"judge": "off", "model": None, "note": RULES_ONLY}


def clip_text(m: ScoredMoment) -> str:
    """The clip's words as the judge reads them (stored words carry no spaces of their own)."""
    return join_words(w.word for w in m.words)


async def judged(video_id: str, m: ScoredMoment, model: str, language: str | None = None) -> Judged:
    """The judge's checked verdict on ``m``, spoken in ``language``: from the catalog when
    ``model`` (the weights the server's judge runs) judged this passage before, else asked of the
    model (retried like Whisper when Triton is away or busy; asked again, up to ``JUDGE_ATTEMPTS``
    answers, when an answer is malformed) and kept."""
    rt = await runtime()
    text = clip_text(m)
    key = cache_key(model, text, language)
    kept = await rt.catalog.judge_verdict(video_id, key)
    if kept is not None:
        return kept

    async def ask(passage: str, attempt: int) -> str:
        return str((await rt.triton.judge_answer(passage, attempt, language)).get("text", ""))

    result = await ask_until_valid(ask, text, JUDGE_ATTEMPTS)
    await rt.catalog.save_judge_verdict(video_id, key, model, result)
    return result


MAX_REASON = 300  # schemas/events/moments_found.schema.json


def _noted(reason: str, note: str) -> str:
    """``reason (note)``, the reason shortened at a clause so the whole fits ``MAX_REASON``."""
    room = MAX_REASON - len(note) - 3
    while len(reason) > room and "; " in reason:
        reason = reason.rsplit("; ", 1)[0]
    return f"{reason[:room]} ({note})"


async def _with_verdicts(video_id: str, moments: list[ScoredMoment], judge: bool) -> list[ScoredMoment]:
    """The moments as announced: titled, explained and scored by the judge, or, with the judge
    off, as the rules made them (the video's ``ranking`` says so, once)."""
    if not judge or not moments:
        return list(moments)
    rt = await runtime()
    model = await rt.triton.judge_model()  # once for the clips announced together
    # The judge is told each clip's language: read from the chunks the clips lie in (not the whole
    # talk, which would make every chunk's cost grow with the video's length).
    span = (min(m.start for m in moments), max(m.end for m in moments))
    chunks = await rt.catalog.transcript_chunks(video_id, overlapping=span)
    out = []
    for m in moments:
        try:
            verdict = (await judged(video_id, m, model, spoken_between(chunks, m.start, m.end))).verdict
        except MalformedVerdict as exc:
            # Not skipped silently: the clip keeps its rules title, and its reason says so.
            log.warning("clip judge: no usable verdict for %s %.1f-%.1f s: %s", video_id, m.start, m.end, exc)
            out.append(dataclasses.replace(m, reason=_noted(m.reason, UNJUDGED)))
            continue
        out.append(
            dataclasses.replace(
                m, title=verdict.title, reason=verdict.reason, signals={**m.signals, **verdict.scores()}
            )
        )
    return out


@app.agent(topics.INBOUND["transcripts"])
async def find_moments(stream):
    await consume(STAGE, stream, "transcripts", _find)


def moment_stream(
    options: VideoOptions | Mapping[str, Any],
    encoder=None,
    head: Head | None = None,
    multilingual_head: Head | None = None,
) -> MomentStream:
    """A fresh stream of moments for a video uploaded with ``options`` (typed, or as stored); with
    an ``encoder``, the trained editorial head weighs in too, and sentences in other languages than
    English are read by the multilingual reader (``ModelMissing`` when either is not there).
    ``head`` and ``multilingual_head`` read instead of the trained heads (a benchmark scoring a talk
    they learned from reads with heads trained without it)."""
    typed = VideoOptions.of(options)
    reader = multilingual_reader() if encoder is not None else None
    if reader is not None and multilingual_head is not None:
        reader = Reader(reader.encoder, multilingual_head)
    return MomentStream(
        count=typed.clip_count,
        length=clip_length(typed),
        max_overlap=typed.max_overlap,
        encoder=encoder,
        head=(head if head is not None else editorial_head()) if encoder is not None else None,
        multilingual=reader,
    )


def replay(
    video_id: str,
    chunks: Sequence[TranscriptChunk],
    options: VideoOptions | Mapping[str, Any],
    duration: float | None,
    final: bool,
    encoder=None,
    head: Head | None = None,
    multilingual_head: Head | None = None,
) -> Step:
    """The moments of ``chunks`` stepped from the first; ``final``: the last one is the video's
    last. ``duration``: the video's, else each chunk's end stands for it. What a worker that
    stepped them one by one holds, after a restart or a redelivery. ``head``, ``multilingual_head``:
    as ``moment_stream``'s."""
    return _walked(moment_stream(options, encoder, head, multilingual_head), chunks, duration, final, chunks)


def _walked(
    stream: MomentStream,
    chunks: Sequence[TranscriptChunk],
    duration: float | None,
    final: bool,
    whole: Sequence[TranscriptChunk],
) -> Step:
    """``stream`` stepped through ``chunks`` in order; ``final``: the last one is the video's last,
    finished with ``whole``, every chunk of the video."""
    step = Step([], [], [])
    for i, chunk in enumerate(chunks):
        known = duration or chunk.end_s
        step = stream.finish(chunk, known, whole) if final and i == len(chunks) - 1 else stream.step(chunk, known)
    return step


def _candidate(moment: Moment, rank: int) -> MomentCandidate:
    return MomentCandidate(rank=rank, **moment.as_json())


STREAMS_KEPT = 16  # videos whose moment stream a worker keeps from one chunk to the next


class _Streams:
    """The moment streams of the videos this worker is following, the least recently stepped
    dropped first. A stream is taken out while a chunk steps it and put back after, so a chunk
    that fails half-way leaves none behind: the next one replays from the catalog."""

    def __init__(self, size: int = STREAMS_KEPT) -> None:
        self.size = size
        self._held: OrderedDict[str, MomentStream] = OrderedDict()

    def take(self, video_id: str, index: int) -> MomentStream | None:
        """The stream that stepped the chunks of ``video_id`` up to the one before ``index``."""
        stream = self._held.pop(video_id, None)
        return stream if stream is not None and stream.through == index - 1 else None

    def keep(self, video_id: str, stream: MomentStream) -> None:
        held = self._held.pop(video_id, None)
        if held is not None and (held.through or 0) > (stream.through or 0):
            stream = held  # a later chunk of the same video got there first
        self._held[video_id] = stream
        while len(self._held) > self.size:
            self._held.popitem(last=False)


streams_kept = _Streams()


async def _advance(
    video_id: str, chunk: TranscriptChunkReady, options: VideoOptions, duration: float | None
) -> Step | None:
    """Step the video's moment stream with ``chunk``: the stream this worker kept from the chunk
    before when it has it (only this chunk is read from the catalog), else one replayed from the
    video's first chunk (after a restart, a rebalance or a redelivery). At the last chunk every
    chunk is read: the final ranking weighs the whole talk. None when the chunk is not stored (the
    video was deleted meanwhile)."""
    rt = await runtime()
    index = chunk.chunk_index
    kept = streams_kept.take(video_id, index)
    first = index if kept is not None and not chunk.is_last else 0
    chunks = await rt.catalog.transcript_chunks(video_id, first=first, last=index)
    if not chunks or chunks[-1].chunk_index != index:
        log.warning("moments: chunk %d of %s is not stored; nothing to step", index, video_id)
        return None
    # sentence embeddings are numpy work: off the event loop, so heartbeats and other agents run
    encoder = await asyncio.to_thread(sentence_encoder)
    stream = kept if kept is not None else moment_stream(options, encoder)
    # A kept stream steps this chunk alone; a new one every chunk so far.
    to_step = chunks[-1:] if kept is not None else chunks
    step = await asyncio.to_thread(_walked, stream, to_step, duration, chunk.is_last, chunks)
    if not chunk.is_last:
        streams_kept.keep(video_id, stream)
    return step


async def _find(chunk: TranscriptChunkReady) -> None:
    rt = await runtime()
    video_id = chunk.video_id
    video = await video_to_process(video_id)
    if video is None:
        return
    judge = rt.settings.moment_judge
    stage = StageReport(rt, chunk.tenant_id, video_id, STAGE)
    if chunk.chunk_index == 0:
        await rt.catalog.set_ranking(video_id, _ranking(await rt.triton.judge_model() if judge else None))
        await stage.begin()
    step = await _advance(video_id, chunk, video.options, video.duration)
    if step is None:
        return
    picks, new, chosen = step
    order = {id(m): i + 1 for i, m in enumerate(picks)}
    if not chunk.is_last:
        if new:
            announced = await _with_verdicts(video_id, new, judge)
            moments = [(as_moment(video_id, a), order[id(m)]) for m, a in zip(new, announced)]
            # Announced at the time the candidates were first recorded (a replay keeps it).
            at = max([await rt.catalog.save_moment(video_id, m, rank, is_final=False) for m, rank in moments])
            candidates = [_candidate(m, rank) for m, rank in moments]
            await _publish(chunk, candidates, is_final=False, at=at)
        await stage.progress(min(0.99, chunk.end / video.duration) if video.duration else None)
        return
    if not picks:
        await stage.fail(NoSpeech.code, "no speech was found in the audio, so there is nothing to make clips from")
        return
    announced = await _with_verdicts(video_id, chosen, judge)
    final = _titles_kept([as_moment(video_id, a) for a in announced], await rt.catalog.moments(video_id))
    for rank, m in enumerate(final, start=1):
        await rt.catalog.save_moment(video_id, m, rank, is_final=True)
    ranked = [_candidate(m, rank) for rank, m in enumerate(final, start=1)]
    final_ids = {c.moment_id for c in ranked}
    superseded = sorted({moment_id(video_id, p.start, p.end) for p in picks} - final_ids)
    await rt.catalog.supersede_moments(video_id, superseded)
    # The final ranking is announced at the stage's recorded end, like its ``finished``.
    await stage.complete()
    finished_at = await rt.catalog.recorded_at(video_id, STAGE, "finished")
    if finished_at is None:  # deleted meanwhile
        return
    await _publish(chunk, ranked, is_final=True, at=finished_at, superseded=superseded)
    await stage.announce("finished", at=finished_at)


def _titles_kept(final: Sequence[Moment], stored: Sequence[StoredMoment]) -> list[Moment]:
    """``final`` with each moment that was announced while the video streamed keeping the title
    it was announced with: its clip may be out already, the title drawn on its first seconds
    (``media.hook``), and a title that changed under it would not match the clip."""
    titles = {m.moment_id: m.title for m in stored if m.title}
    return [dataclasses.replace(m, title=titles.get(m.moment_id, m.title)) for m in final]


async def _publish(
    chunk: TranscriptChunkReady,
    candidates: list[MomentCandidate],
    is_final: bool,
    at: datetime,
    superseded: Sequence[str] = (),
) -> None:
    """Send the ``MomentsFound``: its id derived, its time ``at`` as recorded, so a redelivered
    chunk, which replays to the same picks, announces the same event."""
    event = MomentsFound(
        schema_version=SCHEMA_VERSION,
        event_id=moments_event_id(chunk.video_id, chunk.chunk_index, is_final),
        tenant_id=chunk.tenant_id,
        video_id=chunk.video_id,
        produced_at=stamp(at),
        is_final=is_final,
        moments=candidates,
        through_chunk=chunk.chunk_index,
        superseded=list(superseded),
    )
    await topics.moments.send(key=chunk.video_id, value=event)
