"""Transcribe: each audio chunk goes to the Triton ``whisper`` model over async gRPC; its words,
moved to video time, are stored and announced on ``transcripts``, with the language spoken (the
upload's ``language``, or identified from the chunk's speech, with its probability and the spans
of each language when it changes).

While Whisper works, ``speaker_encoder`` finds who speaks (``streams.speakers``: speech, windows,
a voice print per window), stored with the words; the video's speakers are worked out from every
chunk's voices by whoever reads them. And the chunk's picture is looked at for the moments (``media.onscreen``: faces
on about one frame a second through ``face_detector``, scene cuts in the same decode) and stored
with the words, loudness and pitch. A video without a picture, or a picture or face model that
fails, stores nothing there (logged): the moments then score faces and cuts neutral, and the
video goes on.

Every announcement is built from the stored row, with the chunk's derived event id and the time
the row was written: a chunk already in the catalog (a redelivery) is announced again without
calling the model, so downstream sees it even if the first run died before producing, and it is
the same event, which ClickHouse's ``events`` keeps once.

``transcribe_max_speed`` (0 by default) holds each chunk until no more than that many seconds of
audio a second have been transcribed: a demonstration, or a test, can then see a long video's
first clips come out while its later chunks are still being transcribed.

``first_clip_hold_seconds`` (120 by default) holds a chunk while the video's first clip renders, up
to that long after the render stage started: on one host the render and Whisper share the cores,
and with it (and the first clip on every core) a 60-minute talk's first clip came out at 92 s
against 138 s (DEVELOPERS: the first clip's hold).
"""

from __future__ import annotations

import asyncio
import logging

from streams.asr.languages import most_heard, parse_language
from streams.domain.envelope import SCHEMA_VERSION, stamp, transcript_event_id
from streams.domain.video import Video
from streams.errors import InferenceError, MediaError, StorageError
from streams.media.chunking import decode_wav
from streams.media.onscreen import GlanceOptions, OnScreen, look
from streams.media.sandbox.limits import SandboxLimits
from streams.ops.metrics import Stopwatch
from streams.prosody.loudness import energy_envelope
from streams.prosody.pitch import pitch_track
from streams.speakers.video import speakers_of, turns_of_chunks
from streams.speakers.voices import Voices
from streams.worker import topics
from streams.worker.app import app
from streams.worker.messages import consume
from streams.worker.records import (
    AudioChunkReady,
    SpeakerTalk,
    TranscriptChunkReady,
    TranscriptLanguage,
    TranscriptSegment,
    TranscriptWord,
)
from streams.worker.reporting import StageReport
from streams.worker.resources import Runtime, runtime, video_to_process

STAGE = "transcribe"
HOLD_POLL_SECONDS = 0.5  # how often a chunk held for the first clip looks whether it is stored
log = logging.getLogger(__name__)


@app.agent(topics.INBOUND["audio_chunks"])
async def transcribe(stream):
    await consume(STAGE, stream, "audio_chunks", _transcribe)


async def _transcribe(chunk: AudioChunkReady) -> None:
    rt = await runtime()
    video_id = chunk.video_id
    video = await video_to_process(video_id)
    if video is None:
        return
    stage = StageReport(rt, chunk.tenant_id, video_id, STAGE)
    if chunk.chunk_index == 0:
        await stage.begin()
    stored = await rt.catalog.transcript_chunks(video_id, chunk.chunk_index, chunk.chunk_index)
    if not stored:
        await _recognize(rt, video, chunk)
        stored = await rt.catalog.transcript_chunks(video_id, chunk.chunk_index, chunk.chunk_index)
    # Built from the stored row (first write wins): announcing a chunk again gives the same event.
    row = stored[0]
    assert row.created_at is not None, "the catalog's chunks carry when they were stored"
    event = TranscriptChunkReady(
        schema_version=SCHEMA_VERSION,
        event_id=row.event_id,
        tenant_id=chunk.tenant_id,
        video_id=video_id,
        produced_at=stamp(row.created_at),
        chunk_index=chunk.chunk_index,
        start=chunk.start,
        end=chunk.end,
        language=row.language,
        words=[TranscriptWord(**w.as_json()) for w in row.words],
        segments=[TranscriptSegment(**s) for s in row.segments],
        is_last=chunk.is_last,
        language_probability=row.language_probability,
        languages=[TranscriptLanguage(**span) for span in row.languages],
    )
    await topics.transcripts.send(key=video_id, value=event)
    if chunk.is_last:
        await stage.complete()
        await stage.announce("finished", **await _speakers(rt, video_id))
    elif chunk.video_duration:
        await stage.progress(min(0.99, chunk.end / chunk.video_duration), announce=True)


async def _language_so_far(rt: Runtime, chunk: AudioChunkReady) -> str | None:
    """The language with the most speech in the video's chunks before ``chunk`` (None before any)."""
    return most_heard(await rt.catalog.languages_heard(chunk.video_id, chunk.chunk_index))


async def _recognize(rt: Runtime, video: Video, chunk: AudioChunkReady) -> None:
    """Transcribe the chunk's audio, look at its picture, and store both."""
    clock = Stopwatch()
    # inside the chunk's time, so a paced run (transcribe_max_speed) sleeps that much less
    await _first_clip_first(rt, chunk.video_id, rt.settings.first_clip_hold_seconds)
    # auto (the default): Whisper identifies the language of each window of speech
    language = parse_language(video.options.language)
    # what the talk was heard in so far: a stretch of this chunk leaves it only where Whisper is sure
    before = None if language else await _language_so_far(rt, chunk)
    wav = await asyncio.to_thread(rt.storage.get_bytes, rt.storage.key_of(chunk.audio_uri))
    pcm = decode_wav(wav)
    looking = asyncio.ensure_future(_on_screen(rt, video, chunk))
    listening = asyncio.ensure_future(_voices(rt, pcm, chunk.start))
    try:
        recognition = (await rt.triton.transcribe(pcm, language=language, before=before)).shift(chunk.start)
        voices = await listening
    except BaseException:
        for task in (looking, listening):
            task.cancel()
        await asyncio.gather(looking, listening, return_exceptions=True)
        raise
    seen = await looking
    words = [w.as_json() for w in recognition.words if w.word]
    segments = [{"text": s.text, "start": s.start, "end": s.end} for s in recognition.segments if s.text]
    energy = energy_envelope(pcm)
    pitch = await asyncio.to_thread(pitch_track, pcm)
    await _pace(rt.settings.transcribe_max_speed, chunk.end - chunk.start, clock.seconds)
    await rt.catalog.save_transcript_chunk(
        chunk.video_id,
        chunk.chunk_index,
        chunk.start,
        chunk.end,
        recognition.language,
        words,
        segments,
        transcript_event_id(chunk.video_id, chunk.chunk_index),
        energy=[round(float(e), 5) for e in energy],
        pitch=[round(f, 1) for f in pitch.f0],
        faces=None if seen is None else seen.faces,
        cuts=None if seen is None else seen.cuts,
        language_probability=recognition.language_probability,
        languages=[span.as_json() for span in recognition.languages],
        voices=None if voices is None else voices.as_json(),
    )
    log.info(
        "transcribed %s chunk %d (%.0f s of audio) in %.1f s",
        chunk.video_id,
        chunk.chunk_index,
        chunk.end - chunk.start,
        clock.seconds,
    )


async def _voices(rt: Runtime, pcm, start: float) -> Voices | None:
    """Who speaks in the chunk (``speaker_encoder``), in video time; None with ``diarize`` off. A
    failing model fails the chunk like Whisper does (retried, then dead-lettered): a video whose
    speakers are silently missing would read as one voice."""
    if not rt.settings.diarize:
        return None
    return (await rt.triton.voices(pcm)).shift(start)


async def _speakers(rt: Runtime, video_id: str) -> dict:
    """``{"speakers": [...]}`` for ``transcribe finished``: each speaker's talk time from the final
    pass over the stored voices (the same every time it is worked out, as a milestone's fields
    must be); ``{}`` when the video was not diarized."""
    turns = await asyncio.to_thread(turns_of_chunks, await rt.catalog.transcript_chunks(video_id), True)
    if not turns:
        return {}
    return {"speakers": [SpeakerTalk(s.label, s.talk_seconds) for s in speakers_of(turns, {})]}


async def _first_clip_first(rt: Runtime, video_id: str, longest: float) -> None:
    """Wait while the video's first clip renders: its render stage is running, started less than
    ``longest`` seconds ago, and no clip is stored yet. So a video's chunks wait ``longest`` seconds
    in all at most, even for a first clip that never comes. A chunk already in Triton when the
    render starts is not held back: the wait comes at the next chunk."""
    while longest > 0 and await rt.catalog.renders_first_clip(video_id, within=longest):
        await asyncio.sleep(HOLD_POLL_SECONDS)


async def _pace(max_speed: float, audio_seconds: float, spent: float) -> None:
    """Hold a chunk transcribed faster than ``max_speed`` seconds of audio a second
    (``transcribe_max_speed``; 0: never) until its share of time has passed."""
    if max_speed > 0 and audio_seconds / max_speed > spent:
        await asyncio.sleep(audio_seconds / max_speed - spent)


async def _on_screen(rt: Runtime, video: Video, chunk: AudioChunkReady) -> OnScreen | None:
    """Faces and scene cuts in the chunk's stretch of the picture; None when there is no picture,
    looking is turned off (``glance_fps`` 0), or it fails (logged, not raised: two small signals
    are not worth failing a video over)."""
    fps = rt.settings.glance_fps
    if not video.has_video or fps <= 0:
        return None
    clock = Stopwatch()
    try:
        source = await rt.workspace.local_source(video.video_id, video.source_uri, video.filename)
        seen = await look(
            rt.triton,
            source,
            chunk.start,
            chunk.end,
            GlanceOptions(fps=fps),
            display_name=video.filename,
            sandbox=SandboxLimits.from_settings(rt.settings),
        )
    except (MediaError, InferenceError, StorageError, OSError) as exc:
        log.warning(
            "could not look at the picture of %s chunk %d, so faces and scene cuts are left out of its "
            "moments' scores: %s",
            chunk.video_id,
            chunk.chunk_index,
            exc,
        )
        return None
    log.info(
        "looked at %s chunk %d (%.0f s of video: %d frames, %d cuts) in %.1f s",
        chunk.video_id,
        chunk.chunk_index,
        chunk.end - chunk.start,
        len(seen.faces),
        len(seen.cuts),
        clock.seconds,
    )
    return seen
