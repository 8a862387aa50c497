"""Word start refinement from the audio's loudness: Whisper's cross-attention word times are read
off 20 ms decoder frames and land late in connected speech (on the GRID clip: +60 to +100 ms) and
early on the first word after silence (the segment start, up to 300 ms before the voice).

Two acoustic facts correct them without a second model:

- after a pause the word starts where the level first rises clearly above the noise floor
  (``onset``), never before;
- inside connected speech a word boundary sits in the level dip between two syllables, so the
  start moves to the quietest 10 ms frame shortly before Whisper's time (``valley``).

Pure code: PCM in, words out; only starts move (and a previous word's end, so words never
overlap). Applied by ``WhisperRecognizer`` when ``refine_word_starts`` is on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import Field, dataclass, replace
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

HOP_SECONDS = 0.010
WINDOW_SECONDS = 0.025


@dataclass(frozen=True)
class OnsetRules:
    """Attributes:
    pause: a gap (seconds) since the previous word's end after which a word starts "after silence".
    valley_before: how far before Whisper's start (seconds) a syllable dip is looked for.
    valley_after: how far after it.
    onset_search: how far after Whisper's start the voice onset is looked for (after silence).
    onset_fraction: the onset level, as the fraction of the way from noise floor to speech peak (dB).
    onset_frames: how many 10 ms frames in a row must reach it (a click or a breath does not).
    min_word: the shortest a word may become (seconds) when its start moves later.
    min_contrast_db: below this speech-to-floor contrast the level says nothing; times stand.
    """

    pause: float = 0.25
    valley_before: float = 0.12
    valley_after: float = 0.02
    onset_search: float = 0.60
    onset_fraction: float = 0.30
    onset_frames: int = 6
    min_word: float = 0.05
    min_contrast_db: float = 10.0


class ReplaceableWord(Protocol):
    """A dataclass (frozen or not: ``refine_word_starts`` makes new ones with ``replace``) with a
    ``start`` and an ``end`` in seconds."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


W = TypeVar("W", bound=ReplaceableWord)


def level_db(pcm: np.ndarray, sample_rate: int = 16_000) -> np.ndarray:
    """Mean power per 25 ms window every 10 ms, in dB, lightly smoothed (3 frames); frame ``i`` is
    centred on ``i * 10 ms + 12.5 ms``."""
    hop = int(round(HOP_SECONDS * sample_rate))
    window = int(round(WINDOW_SECONDS * sample_rate))
    x = np.asarray(pcm, dtype=np.float32)
    if x.size < window:
        x = np.pad(x, (0, window - x.size))
    frames = np.lib.stride_tricks.sliding_window_view(x, window)[::hop]
    power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    smoothed = np.convolve(power, np.ones(3) / 3.0, mode="same") if power.size >= 3 else power
    return 10.0 * np.log10(smoothed + 1e-10)


def _frame(t: float) -> int:
    """The level frame centred nearest ``t``."""
    return max(0, int(round((t - WINDOW_SECONDS / 2) / HOP_SECONDS)))


def _time(frame: int) -> float:
    """The centre of level frame ``frame``, in seconds."""
    return frame * HOP_SECONDS + WINDOW_SECONDS / 2


def _first_sustained(loud: np.ndarray, run: int) -> int | None:
    """Index of the first of ``run`` consecutive true values, or None."""
    if loud.size < run:
        return None
    runs = np.convolve(loud.astype(np.int32), np.ones(run, dtype=np.int32), mode="valid")
    hits = np.nonzero(runs == run)[0]
    return int(hits[0]) if hits.size else None


def refine_word_starts(
    words: Sequence[W], pcm: np.ndarray, sample_rate: int = 16_000, rules: OnsetRules = OnsetRules()
) -> list[W]:
    """``words`` (times in seconds from the start of ``pcm``) with starts moved onto the audio's
    word boundaries; see the module docstring. Returns new objects (``dataclasses.replace``)."""
    if not words:
        return []
    db = level_db(pcm, sample_rate)
    last = len(db) - 1
    floor, peak = np.percentile(db, 10), np.percentile(db, 95)
    if peak - floor < rules.min_contrast_db:
        return list(words)
    threshold = floor + rules.onset_fraction * (peak - floor)
    out: list[W] = []
    previous_end = -np.inf
    for word in words:
        start = float(word.start)
        latest = max(start, float(word.end) - rules.min_word)
        if start - previous_end >= rules.pause:
            lo, hi = _frame(start), min(_frame(min(start + rules.onset_search, latest)), last)
            onset = _first_sustained(db[lo : hi + rules.onset_frames] >= threshold, rules.onset_frames)
            if lo <= hi and onset is not None and onset <= hi - lo:
                start = _time(lo + onset)
        else:
            earliest = max(start - rules.valley_before, out[-1].start + rules.min_word if out else 0.0)
            lo, hi = _frame(earliest), min(_frame(start + rules.valley_after), last)
            if lo <= hi:
                start = _time(lo + int(np.argmin(db[lo : hi + 1])))
        start = round(min(max(start, 0.0), latest), 3)
        if out and out[-1].end > start:
            out[-1] = replace(out[-1], end=start)
        out.append(replace(word, start=start))
        previous_end = float(word.end)
    return out
