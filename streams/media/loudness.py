"""Loudness normalisation in two passes (EBU R128), pure: argument lists, filter chains, parsing.

Single-pass ``loudnorm`` guesses the gain from a few seconds of look-ahead and misses -14 LUFS on
short clips. Instead the renderer first measures the clip's audio alone (``measure_args``: ``-vn``,
so no video is decoded) with FFmpeg's ``ebur128`` filter, the same meter that judges the result,
then renders with one fixed gain (``gain_db``) followed by a true-peak limiter (``chain``): the
audio is upsampled 4x so the limiter sees the peaks between samples, limited at ``CEILING_DBTP``,
and resampled to 48 kHz. When the limiter will have to shave a lot (a loud, peaky source lifted a
lot) the integrated loudness it leaves is measured once more through the same chain
(``needs_check``) and the gain corrected.

The AAC encoder adds true peak of its own (up to about 0.8 dB over the limiter on transients), so
the promise (``PROMISE_DBTP``) is checked on the encoded file: when it is broken (``keeps_promise``)
the audio is encoded again with the limiter lowered by the excess (``lowered_ceiling``).

Measurements are of the audio as it will be encoded: 48 kHz stereo (a mono source counted on two
channels is 3 LU louder than on one).

Both procedures are written without I/O, as generators the renderer drives (``gain_for``,
``peak_promise``): each yields what it needs done (a ``Measure``: run these ffmpeg arguments and
send back the log; an ``Encode``: encode the audio again at this ceiling) and returns its result,
so the renderer makes one call per procedure and the steps are tested without FFmpeg.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from streams.media.audio import seek_input

TARGET_LUFS = -14.0
CEILING_DBTP = -1.5  # AAC adds a few tenths of a dB of true peak; the promise is -1 dBTP
PROMISE_DBTP = -1.0  # what streaming platforms ask for, measured on the encoded clip
PEAK_HEADROOM_DB = 0.3  # a corrected encode aims this far under the promise
MAX_GAIN_DB = 30.0  # never lift a near-silent clip's noise floor by more than this
SILENT_LUFS = -70.0  # ebur128's absolute gate: nothing was loud enough to measure
FADE_SECONDS = 0.04
CHECK_ABOVE_DB = 3.0  # limiter work (dB over the ceiling) past which the result is re-measured
OVERSAMPLED_RATE = 192000
FORMAT = "aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"

_SUMMARY = re.compile(
    r"Integrated loudness:\s*I:\s*(?P<i>-?[\d.]+|-?inf|nan) LUFS.*?"
    r"Loudness range:\s*LRA:\s*(?P<lra>-?[\d.]+|-?inf|nan) LU.*?"
    r"True peak:\s*Peak:\s*(?P<tp>-?[\d.]+|-?inf|nan) dBFS",
    re.S,
)


@dataclass(frozen=True)
class Loudness:
    """An ``ebur128`` summary. Attributes:
    integrated: integrated loudness, LUFS (``-inf`` or below ``SILENT_LUFS``: silence).
    true_peak: true peak, dBTP.
    lra: loudness range, LU.
    """

    integrated: float
    true_peak: float
    lra: float = 0.0

    @property
    def silent(self) -> bool:
        return not self.integrated > SILENT_LUFS


@dataclass(frozen=True)
class Measure:
    """A step of a procedure: run ffmpeg with ``args`` and send back its log (stderr)."""

    args: list[str]


@dataclass(frozen=True)
class Encode:
    """A step of ``peak_promise``: encode the clip's audio again, limited at ``ceiling`` dBTP, in
    place of the last encode (send back None)."""

    ceiling: float


@dataclass(frozen=True)
class PeakCheck:
    """What ``peak_promise`` ends with. Attributes:
    ceiling: the limiter ceiling of the last encode, dBTP.
    level: the last measurement of the encoded audio (None: it could not be measured).
    encodes: how many times the audio was encoded.
    kept: whether the true peak keeps ``PROMISE_DBTP`` (or could not be measured).
    """

    ceiling: float
    level: Loudness | None
    encodes: int

    @property
    def kept(self) -> bool:
        return self.level is None or keeps_promise(self.level)


def gain_for(source: Path, start: float, duration: float) -> Generator[Measure, str, float | None]:
    """The gain to the loudness target for ``[start, start + duration]`` of ``source``: one
    measuring run, and a second through the limiter when it will work hard (``needs_check``).
    Returns None when the audio cannot be measured (too short)."""
    try:
        measured = parse_summary((yield Measure(measure_args(source, start, duration))))
    except ValueError:
        return None
    gain = gain_db(measured)
    if needs_check(measured, gain):
        after = yield Measure(measure_args(source, start, duration, gain))
        try:
            gain = corrected_gain(gain, parse_summary(after))
        except ValueError:
            pass
    return gain


def peak_promise(encoded: Path, duration: float, tries: int) -> Generator[Measure | Encode, str | None, PeakCheck]:
    """Measure the encoded clip's audio; while its true peak breaks ``PROMISE_DBTP`` (the AAC
    encoder overshoots the limiter on some transients), ask for the audio encoded again with the
    limiter lowered by the excess, at most ``tries`` times after the first encode."""
    ceiling, encodes = CEILING_DBTP, 1
    while True:
        try:
            level = parse_summary((yield Measure(measure_args(encoded, 0.0, duration))) or "")
        except ValueError:
            return PeakCheck(ceiling, None, encodes)
        if keeps_promise(level) or encodes > tries:
            return PeakCheck(ceiling, level, encodes)
        ceiling = lowered_ceiling(ceiling, level)
        yield Encode(ceiling)
        encodes += 1


def measure_args(source: Path, start: float, duration: float, gain: float | None = None) -> list[str]:
    """ffmpeg arguments that decode only the audio of ``[start, start + duration]`` and print its
    loudness summary; with ``gain``, measured after the render's gain and limiter."""
    chain = [FORMAT] + (_gain_and_limit(gain) if gain is not None else [])
    return [
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-v",
        "info",
        *seek_input(source, start, duration),
        "-vn",
        "-sn",
        "-dn",
        "-map",
        "0:a:0",
        "-af",
        ",".join(chain + ["ebur128=peak=true:framelog=verbose"]),
        "-f",
        "null",
        "-",
    ]


def parse_summary(stderr: str) -> Loudness:
    """The last ``ebur128`` summary in FFmpeg's log; ValueError if there is none."""
    found = list(_SUMMARY.finditer(stderr))
    if not found:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    m = found[-1]
    return Loudness(float(m["i"]), float(m["tp"]), float(m["lra"]))


def gain_db(measured: Loudness, target: float = TARGET_LUFS) -> float:
    """The gain that brings ``measured`` to ``target``; 0 for silence, at most ``MAX_GAIN_DB``."""
    if measured.silent:
        return 0.0
    return round(min(MAX_GAIN_DB, target - measured.integrated), 2)


def needs_check(measured: Loudness, gain: float) -> bool:
    """Whether the limiter will cut peaks by more than ``CHECK_ABOVE_DB`` at ``gain``, enough to
    pull the integrated loudness noticeably under the target."""
    return not measured.silent and measured.true_peak + gain - CEILING_DBTP > CHECK_ABOVE_DB


def corrected_gain(gain: float, after: Loudness, target: float = TARGET_LUFS) -> float:
    """``gain`` plus what the limited result still lacks (never more than 3 dB more)."""
    if after.silent:
        return gain
    return round(min(MAX_GAIN_DB, gain + max(-3.0, min(3.0, target - after.integrated))), 2)


def keeps_promise(encoded: Loudness) -> bool:
    """Whether an encoded clip's true peak is at or under ``PROMISE_DBTP``."""
    return encoded.silent or encoded.true_peak <= PROMISE_DBTP


def lowered_ceiling(ceiling: float, encoded: Loudness) -> float:
    """The limiter ceiling for encoding again a clip that, limited at ``ceiling``, measured
    ``encoded``: lower by its excess over the promise, and ``PEAK_HEADROOM_DB`` more."""
    return round(ceiling - (encoded.true_peak - PROMISE_DBTP) - PEAK_HEADROOM_DB, 2)


def chain(gain: float | None, duration: float, fade: float = FADE_SECONDS, ceiling: float | None = None) -> list[str]:
    """The render's audio filters: 48 kHz stereo, ``gain`` dB and the true-peak limiter at
    ``ceiling`` dBTP (default ``CEILING_DBTP``) (None: no loudness change), and fades of ``fade``
    seconds at both cut edges."""
    filters = [FORMAT] + (_gain_and_limit(gain, ceiling) if gain is not None else [])
    if fade > 0 and duration > 4 * fade:
        filters += [f"afade=t=in:d={fade:g}", f"afade=t=out:st={duration - fade:.3f}:d={fade:g}"]
    return filters


def _gain_and_limit(gain: float, ceiling_dbtp: float | None = None) -> list[str]:
    ceiling = 10 ** ((CEILING_DBTP if ceiling_dbtp is None else ceiling_dbtp) / 20)
    return [
        f"volume={gain:g}dB:precision=float",
        f"aresample={OVERSAMPLED_RATE}",
        # level=0: no make-up gain; latency=1: the look-ahead does not shift audio against video.
        f"alimiter=limit={ceiling:.4f}:attack=1:release=60:level=0:latency=1",
        FORMAT,
    ]
