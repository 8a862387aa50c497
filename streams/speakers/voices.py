"""The voices heard in a stretch of audio, and the speakers of a whole video from them.

:func:`listen` is what the Triton model ``speaker_encoder`` runs on one chunk of audio: speech
found by Silero VAD (``streams.asr.vad``), cut into windows (``features``), a voice print per
window (``encoder``). Its :class:`Voices` are stored with the chunk's words, so the speakers of a
video can be worked out again at any time from what is stored, with no model.

:func:`speaker_turns` labels a video's voices: chunk by chunk with a :class:`~.clustering.Tracker`
(what a reader sees while the video is still being transcribed: a label, once given, stays), and,
once every chunk is in, with one pass over the whole video that merges streamed speakers the
whole video shows to be one (``clustering.merged``), then numbers them again in the order first
heard, without gaps (a streamed speaker merged into another leaves no hole: S1, S2, ...). Both are deterministic functions of the stored voices, so the
API, search and the renderer all see the same speakers.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from streams.speakers import features
from streams.speakers.clustering import ClusterOptions, Tracker, merged
from streams.speakers.encoder import DIMENSIONS, embed_grouped
from streams.speakers.turns import Turn, turns_of

Span = tuple[float, float]


@dataclass(frozen=True)
class Voices:
    """The speech of one stretch of audio (``speech``), the windows cut from it and a unit voice
    print per window (``prints``, [windows, 256] float16), all in seconds of the video; with each
    window's ``features.high_band`` (``high_band``; empty in voices stored before it was measured,
    see ``narrow``)."""

    speech: tuple[Span, ...]
    windows: tuple[Span, ...]
    prints: np.ndarray
    high_band: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.high_band and len(self.high_band) != len(self.windows):
            raise ValueError(f"{len(self.windows)} windows but {len(self.high_band)} high-band measures")

    @property
    def narrow(self) -> np.ndarray:
        """Whether each window's voice came through a telephone's band (``features.narrowband``).
        Voices stored before the band was measured count as narrowband: their speakers were found
        with one threshold, the narrowband one, so a video keeps the speakers (and the names given
        to their labels) it had."""
        if not self.high_band:
            return np.ones(len(self.windows), dtype=bool)
        return features.narrowband(np.asarray(self.high_band))

    def shift(self, seconds: float) -> Voices:
        moved = tuple((round(a + seconds, 3), round(b + seconds, 3)) for a, b in self.speech)
        windows = tuple((round(a + seconds, 3), round(b + seconds, 3)) for a, b in self.windows)
        return Voices(moved, windows, self.prints, self.high_band)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "speech": [list(s) for s in self.speech],
            "windows": [list(w) for w in self.windows],
            "prints": base64.b64encode(self.prints.astype("<f2").tobytes()).decode("ascii"),
        }
        if self.high_band:
            out["high_band"] = list(self.high_band)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Voices:
        raw = base64.b64decode(data.get("prints", ""))
        prints = np.frombuffer(raw, dtype="<f2").reshape(-1, DIMENSIONS) if raw else np.zeros((0, DIMENSIONS), "<f2")
        windows = tuple((float(a), float(b)) for a, b in data.get("windows", ()))
        if len(windows) != len(prints):
            raise ValueError(f"{len(windows)} windows but {len(prints)} voice prints")
        speech = tuple((float(a), float(b)) for a, b in data.get("speech", ()))
        return cls(speech, windows, prints, tuple(float(x) for x in data.get("high_band", ())))


def listen(
    pcm: np.ndarray,
    speech: Sequence[Span],
    embed: Callable[[np.ndarray], np.ndarray],
) -> Voices:
    """The voices of 16 kHz ``pcm`` whose speech is ``speech`` (seconds from its start); ``embed``
    turns ``[batch, frames, 40]`` mels into voice prints."""
    windows = features.windows_of(speech)
    mels = features.window_mels(pcm, windows)
    prints = embed_grouped(mels, embed) if windows else np.zeros((0, DIMENSIONS), np.float32)
    high = tuple(features.kept_band(features.high_band(m)) for m in mels)
    return Voices(tuple(speech), tuple((w.start, w.end) for w in windows), prints.astype(np.float16), high)


class SpeakerStream:
    """The speaker turns of a video chunk by chunk, labelled as a reader sees them while it streams
    (a label once given stays): what the moments stream uses to know who holds the floor."""

    def __init__(self, options: ClusterOptions = ClusterOptions()) -> None:
        self.tracker = Tracker(options)

    def turns(self, voices: Voices) -> list[Turn]:
        """The turns of the next chunk's ``voices``."""
        labels = self.tracker.add(voices.prints.astype(np.float32), _seconds(voices.windows), voices.narrow)
        return turns_of(voices.speech, voices.windows, labels)


class StreamedTurns:
    """The turns of a video's chunks so far, equal to ``speaker_turns(chunks, complete=False)``, built
    chunk by chunk: each chunk's voices are labelled once, not the whole video again for each new
    chunk (a reader that follows a long video would otherwise do quadratic work)."""

    def __init__(self, options: ClusterOptions = ClusterOptions()) -> None:
        self._stream = SpeakerStream(options)
        self.turns: list[Turn] = []

    def add(self, voices: Voices) -> tuple[Turn, ...]:
        """Every turn so far, with the next chunk's ``voices``."""
        for turn in self._stream.turns(voices):
            last = self.turns[-1] if self.turns else None
            if last is not None and last.speaker == turn.speaker and turn.start - last.end < 1e-6:
                self.turns[-1] = Turn(last.start, turn.end, turn.speaker)  # one turn across the chunks' seam
            else:
                self.turns.append(turn)
        return tuple(self.turns)


def speaker_turns(chunks: Sequence[Voices], complete: bool, options: ClusterOptions = ClusterOptions()) -> list[Turn]:
    """The video's speaker turns from its chunks' voices, in order (see the module's docstring)."""
    tracker = Tracker(options)
    streamed = [tracker.add(c.prints.astype(np.float32), _seconds(c.windows), c.narrow) for c in chunks]
    labels = np.concatenate(streamed) if streamed else np.zeros(0, dtype=int)
    windows = [w for c in chunks for w in c.windows]
    if complete and len(windows):
        labels = _first_heard(merged(tracker, labels))
    speech = [s for c in chunks for s in c.speech]
    return turns_of(speech, windows, labels)


def _seconds(windows: Sequence[Span]) -> np.ndarray:
    return np.array([b - a for a, b in windows], dtype=float)


def _first_heard(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, ... in the order they first appear (windows are in time order)."""
    order: dict[int, int] = {}
    for label in labels:
        order.setdefault(int(label), len(order))
    return np.array([order[int(k)] for k in labels], dtype=int)
