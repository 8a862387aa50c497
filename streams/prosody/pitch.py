"""Pitch: the fundamental frequency of a voice over time, from 16 kHz mono PCM (pure numpy).

``pitch_track`` runs YIN (de Cheveigné and Kawahara, 2002) on one analysis window per hop: the
squared difference between the signal and itself shifted by each candidate period, normalised by
its running mean, and the first dip under a threshold is the period. Frames that are quiet or have
no clear period are unvoiced (0 Hz). ``semitone_spread`` measures how much a voice moves: a
monotone reader stays within a semitone or two, a lively speaker ranges over four or more;
``pooled_semitone_spread`` measures it for several voices, each from its own median.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000
HOP_SECONDS = 0.04
WINDOW_SECONDS = 0.04  # two periods of the lowest pitch fit in window + lag
MIN_HZ, MAX_HZ = 60.0, 400.0  # speaking voices, low male to high child
THRESHOLD = 0.15  # YIN's aperiodicity threshold: lower is stricter about voicing
SILENCE_DB = -45.0  # frames this far under the loudest frame are silence
_BLOCK_FRAMES = 1024  # frames analysed together; bounds memory on long audio


@dataclass(frozen=True)
class PitchTrack:
    """Fundamental frequency over time.

    Attributes:
        hop_seconds: time between values; value ``i`` describes the frame starting at
            ``(offset + i) * hop_seconds``.
        f0: Hz per frame, 0.0 where unvoiced (silence, noise, breath).
        offset: the frame ``f0[0]`` is (0 for a track from the start of the audio; a track of the
            last minutes of a long talk starts later).
    """

    hop_seconds: float
    f0: tuple[float, ...] = ()
    offset: int = 0

    def voiced_between(self, start: float, end: float) -> list[float]:
        """The voiced values (Hz) of the frames starting in ``[start, end)``."""
        if self.hop_seconds <= 0 or end <= start:
            return []
        first = max(0, math.ceil(start / self.hop_seconds - 1e-9))
        last = max(first, math.ceil(end / self.hop_seconds - 1e-9))
        first, last = max(0, first - self.offset), max(0, last - self.offset)
        return [f for f in self.f0[first:last] if f > 0]

    def longest_unvoiced(self, start: float, end: float) -> float | None:
        """Seconds of the longest run of unvoiced frames starting in ``[start, end)``; None where
        the track does not cover that stretch (before its first frame or past its last)."""
        if self.hop_seconds <= 0 or end <= start:
            return None
        first = math.ceil(start / self.hop_seconds - 1e-9) - self.offset
        last = math.ceil(end / self.hop_seconds - 1e-9) - self.offset
        if first < 0 or last > len(self.f0):
            return None
        best = run = 0
        for f in self.f0[first:last]:
            run = run + 1 if f <= 0 else 0
            best = max(best, run)
        return best * self.hop_seconds


def pitch_track(
    pcm: np.ndarray,
    sample_rate: int = SAMPLE_RATE,
    hop_seconds: float = HOP_SECONDS,
    min_hz: float = MIN_HZ,
    max_hz: float = MAX_HZ,
    threshold: float = THRESHOLD,
) -> PitchTrack:
    """The pitch of ``pcm`` (float samples in [-1, 1]) every ``hop_seconds``."""
    if not 0 < min_hz < max_hz < sample_rate / 2:
        raise ValueError(f"need 0 < min_hz < max_hz < {sample_rate / 2}, got {min_hz} and {max_hz}")
    if hop_seconds <= 0:
        raise ValueError(f"hop_seconds must be positive, got {hop_seconds}")
    audio = np.asarray(pcm, dtype=np.float64).reshape(-1)
    hop = max(1, round(hop_seconds * sample_rate))
    window = max(round(WINDOW_SECONDS * sample_rate), math.ceil(sample_rate / min_hz))
    min_lag = max(2, math.floor(sample_rate / max_hz))
    max_lag = math.ceil(sample_rate / min_hz)
    count = math.ceil(audio.size / hop)
    if count == 0:
        return PitchTrack(hop_seconds, ())
    padded = np.concatenate([audio, np.zeros(count * hop + window + max_lag - audio.size)])
    f0 = np.zeros(count)
    energy = np.zeros(count)
    for first in range(0, count, _BLOCK_FRAMES):
        idx = np.arange(first, min(count, first + _BLOCK_FRAMES)) * hop
        frames = padded[idx[:, None] + np.arange(window + max_lag)]
        energy[first : first + len(idx)] = np.sqrt(np.mean(frames[:, :window] ** 2, axis=1))
        f0[first : first + len(idx)] = _yin(frames, window, min_lag, max_lag, threshold, sample_rate)
    loudest = energy.max()
    if loudest <= 0:
        return PitchTrack(hop_seconds, (0.0,) * count)
    f0[energy < loudest * 10 ** (SILENCE_DB / 20)] = 0.0
    return PitchTrack(hop_seconds, tuple(round(float(f), 2) for f in f0))


def _yin(frames: np.ndarray, window: int, min_lag: int, max_lag: int, threshold: float, rate: int) -> np.ndarray:
    """F0 (Hz, 0 when unvoiced) of each row of ``frames`` (``window + max_lag`` samples each)."""
    n = frames.shape[1]
    size = 1 << (2 * n - 1).bit_length()
    spectrum_all = np.fft.rfft(frames, size)
    spectrum_head = np.fft.rfft(frames[:, :window], size)
    # cross[t] = sum_j x[j] x[j + t] over the first ``window`` samples: the autocorrelation term.
    cross = np.fft.irfft(np.conj(spectrum_head) * spectrum_all, size)[:, : max_lag + 1]
    squares = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames**2, axis=1)], axis=1)
    lags = np.arange(max_lag + 1)
    shifted_energy = squares[:, lags + window] - squares[:, lags]
    diff = squares[:, [window]] + shifted_energy - 2 * cross  # d(t) = sum (x[j] - x[j + t])^2
    diff[:, 0] = 0.0
    running = np.cumsum(diff[:, 1:], axis=1) / np.arange(1, max_lag + 1)
    normalised = np.ones_like(diff)
    np.divide(diff[:, 1:], running, out=normalised[:, 1:], where=running > 1e-12)
    out = np.zeros(len(frames))
    for row, curve in enumerate(normalised):
        below = np.nonzero(curve[min_lag:max_lag] < threshold)[0]
        if below.size == 0:
            continue
        lag = min_lag + int(below[0])
        while lag + 1 < max_lag and curve[lag + 1] < curve[lag]:
            lag += 1
        out[row] = rate / _refine(curve, lag)
    return out


def _refine(curve: np.ndarray, lag: int) -> float:
    """The lag of the parabola through the dip and its neighbours: sub-sample period accuracy."""
    if lag <= 0 or lag + 1 >= len(curve):
        return float(lag)
    a, b, c = curve[lag - 1], curve[lag], curve[lag + 1]
    bend = a - 2 * b + c
    return lag + 0.5 * (a - c) / bend if bend > 0 else float(lag)


def semitone_spread(f0: list[float] | np.ndarray) -> float:
    """Standard deviation, in semitones, of voiced pitch values around their median; 0.0 for fewer
    than two values."""
    return pooled_semitone_spread([f0])


def pooled_semitone_spread(voices: list[list[float] | np.ndarray]) -> float:
    """``semitone_spread`` of several voices at once: the standard deviation of each voice's values
    about its own mean, pooled, so two steady voices a fifth apart are as flat as either alone (only
    how each voice moves counts, not that a lower one answered a higher one). A voice with fewer
    than two voiced values adds nothing; 0.0 when none has two."""
    spreads = []
    for f0 in voices:
        values = np.asarray([f for f in f0 if f > 0], dtype=np.float64)
        if values.size >= 2:
            spreads.append(12.0 * np.log2(values / np.median(values)))
    if len(spreads) == 1:
        return float(spreads[0].std())
    if not spreads:
        return 0.0
    centred = np.concatenate([semitones - semitones.mean() for semitones in spreads])
    return float(np.sqrt(np.mean(centred * centred)))
