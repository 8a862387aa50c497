"""What the speaker encoder reads: windows of speech and their mel power spectrograms.

The front end is the one GE2E was trained on (Resemblyzer's, after librosa's defaults): 16 kHz,
25 ms frames every 10 ms, a periodic Hann window, centred frames padded with zeros, power
spectrum, 40 mel bands on the Slaney scale with Slaney's area normalisation, 0 to 8 kHz, and no
log. Without a log, loudness changes the numbers, so audio is first raised to -30 dBFS (never
lowered), as Resemblyzer does. Pure numpy.

Windows: each stretch of speech is covered by windows of ``WINDOW`` seconds every ``HOP``; the
last one ends where the speech ends, and speech shorter than a window gives one shorter window.

Band: telephone speech (G.711, 300-3400 Hz) carries nothing above 4 kHz, and GE2E hears two people
on one phone line as closer than two people each in a room of their own. ``high_band`` is
what tells the two apart, from the mels the prints are made from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
FRAME_HOP = 160  # samples: 10 ms
MELS = 40
WINDOW = 1.5  # seconds of speech one voice print is taken from
HOP = 0.75
TARGET_DBFS = -30.0
HIGH_BAND_HZ = 4000.0  # a telephone's band ends at 3.4 kHz...
TOP_OF_PHONE_HZ = (2500.0, 3500.0)  # ...and still carries speech up to there
NARROWBAND = 0.01  # a window with less power above HIGH_BAND_HZ, against TOP_OF_PHONE_HZ, was phoned


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    linear = hz / (200.0 / 3)
    log_from, step = 1000.0 / (200.0 / 3), np.log(6.4) / 27.0
    return np.where(hz >= 1000.0, log_from + np.log(np.maximum(hz, 1e-10) / 1000.0) / step, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    log_from, step = 1000.0 / (200.0 / 3), np.log(6.4) / 27.0
    return np.where(mel >= log_from, 1000.0 * np.exp(step * (mel - log_from)), mel * (200.0 / 3))


def mel_filterbank(bands: int = MELS, sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT) -> np.ndarray:
    """[bands, n_fft // 2 + 1] triangular Slaney filters with area normalisation (librosa's ``mel``)."""
    freqs = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(sample_rate / 2)), bands + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - freqs[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


_FILTERS = mel_filterbank()
_FREQS = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
_CENTRES = (_FILTERS @ _FREQS) / _FILTERS.sum(1)
_HIGH = np.array([_FREQS[row > 0].min() >= HIGH_BAND_HZ for row in _FILTERS])  # wholly above 4 kHz
_TOP = (_CENTRES > TOP_OF_PHONE_HZ[0]) & (_CENTRES < TOP_OF_PHONE_HZ[1])
_HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)


def mel_power(pcm: np.ndarray) -> np.ndarray:
    """[1 + len(pcm) // 160, 40] float32 mel power of 16 kHz float samples."""
    padded = np.pad(np.asarray(pcm, dtype=np.float32), N_FFT // 2)
    count = 1 + (len(padded) - N_FFT) // FRAME_HOP
    frames = np.lib.stride_tricks.as_strided(
        padded, (count, N_FFT), (padded.strides[0] * FRAME_HOP, padded.strides[0]), writeable=False
    )
    spectrum = np.fft.rfft(frames * _HANN, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return power @ _FILTERS.T


def raised(pcm: np.ndarray, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """``pcm`` raised to ``target_dbfs`` RMS, never lowered (Resemblyzer's normalisation)."""
    rms = float(np.sqrt(np.mean(np.square(pcm, dtype=np.float64)))) if len(pcm) else 0.0
    if rms <= 0:
        return pcm
    gain_db = target_dbfs - 20 * np.log10(rms)
    return pcm if gain_db <= 0 else (pcm * np.float32(10 ** (gain_db / 20))).astype(np.float32)


def high_band(mel: np.ndarray) -> float:
    """The power of ``mel`` (``[frames, 40]``, ``mel_power``'s) in bands wholly above 4 kHz, over
    its power in those centred between 2.5 and 3.5 kHz, each counted above its own floor (its
    quietest tenth of frames, so a steady hiss or hum adds little): an edge at the top of a
    telephone's band, not how bright a voice is. Per voice of ../shared/media recorded whole, the
    median window is at 0.03 or more (a quarter of windows under 0.02-0.07), except JFK's 1961
    broadcast (0.002: its band ends near 4 kHz too); the real phone call's median window is at
    0.0002, and voices through ``bench/conversations.telephone`` at 0.0001-0.008 (the last a dull
    voice under a -70 dBFS hiss). 1.0 for a window with no power at 2.5-3.5 kHz above its floor
    (nothing to tell)."""
    high, top = mel[:, _HIGH].sum(1), mel[:, _TOP].sum(1)
    top_excess = float(np.maximum(top - np.percentile(top, 10), 0).sum())
    if top_excess <= 0:
        return 1.0
    return float(np.maximum(high - np.percentile(high, 10), 0).sum()) / top_excess


def kept_band(value: float) -> float:
    """``high_band`` as voices keep it: four significant digits, the same in process and from Triton."""
    return float(f"{value:.4g}")


def narrowband(high: np.ndarray) -> np.ndarray:
    """Whether each window's ``high_band`` says it came through a telephone's band."""
    return np.asarray(high) < NARROWBAND


@dataclass(frozen=True)
class Window:
    """A stretch of speech one voice print is taken from, in seconds of the audio it was cut from."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def windows_of(speech: Sequence[tuple[float, float]], window: float = WINDOW, hop: float = HOP) -> list[Window]:
    """Windows covering each ``(start, end)`` stretch of speech (see the module's docstring)."""
    out: list[Window] = []
    for start, end in speech:
        if end - start <= window:
            out.append(Window(round(start, 3), round(end, 3)))
            continue
        count = int(np.floor((end - start - window) / hop + 1e-9)) + 1
        starts = [start + k * hop for k in range(count)]
        if starts[-1] + window < end - 1e-6:
            starts.append(end - window)
        out += [Window(round(s, 3), round(s + window, 3)) for s in starts]
    return out


def window_mels(pcm: np.ndarray, windows: Sequence[Window], offset: float = 0.0) -> list[np.ndarray]:
    """Each window's mel power (``[frames, 40]``) from ``pcm`` (16 kHz, starting at ``offset``
    seconds), after the whole of ``pcm`` is raised to -30 dBFS."""
    loud = raised(np.asarray(pcm, dtype=np.float32))
    out = []
    for w in windows:
        a = max(0, int(round((w.start - offset) * SAMPLE_RATE)))
        b = min(len(loud), int(round((w.end - offset) * SAMPLE_RATE)))
        out.append(mel_power(loud[a:b]))
    return out
