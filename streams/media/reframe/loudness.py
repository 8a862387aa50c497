"""How loud a source is over time (``read_loudness``): the RMS of its audio, mixed to mono at
16 kHz, per hop; the active-speaker rules read it beside the mouths (``streams.media.reframe``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from streams.errors import EmptyMedia, MediaError, NoAudio, NotMedia, TruncatedMedia
from streams.media.audio import SAFE_OPTIONS
from streams.media.reframe.observations import Loudness


def rms_series(samples: np.ndarray, sample_rate: int, hop_seconds: float) -> np.ndarray:
    """RMS of mono ``samples`` over consecutive hops of ``hop_seconds`` (a last partial hop counts
    over the samples it has)."""
    hop = max(1, round(sample_rate * hop_seconds))
    samples = np.asarray(samples, dtype=np.float64)
    n = len(samples) // hop
    full = samples[: n * hop].reshape(n, hop)
    values = list(np.sqrt((full**2).mean(axis=1))) if n else []
    rest = samples[n * hop :]
    if len(rest):
        values.append(float(np.sqrt((rest**2).mean())))
    return np.asarray(values, dtype=np.float64)


def _open(path: Path):
    import av

    if not path.is_file():
        raise MediaError(f"{path.name} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise EmptyMedia(f"{path.name} is empty (0 bytes)")
    try:
        return av.open(str(path), options=SAFE_OPTIONS)
    except av.error.FFmpegError as exc:
        raise NotMedia(f"{path.name} is not a video FFmpeg can read") from exc


# --- audio --------------------------------------------------------------------------------------

LOUDNESS_RATE = 16_000
LOUDNESS_HOP = 0.04


def read_loudness(
    path: Path | str, start: float = 0.0, end: float | None = None, hop_seconds: float = LOUDNESS_HOP
) -> Loudness:
    """The RMS level of the audio (mixed to mono, 16 kHz, full scale 1.0) per ``hop_seconds``
    from ``start`` to ``end`` (None: the end), in source time.

    Raises ``NoAudio`` when there is no audio track and other ``MediaError``\\s when the file
    cannot be read."""
    import av

    path = Path(path)
    container = _open(path)
    with container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise NoAudio(f"{path.name} has no audio track, so its loudness cannot be measured")
        offset = container.start_time / 1_000_000 if container.start_time else 0.0
        if start > 0:
            container.seek(int((start + offset) * 1_000_000), backward=True)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=LOUDNESS_RATE)
        blocks: list[np.ndarray] = []
        first: float | None = None  # source time of blocks[0][0]
        reached = start
        try:
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                for out in resampler.resample(frame):
                    if first is None:
                        first = (out.time if out.time is not None else frame.time) - offset
                    blocks.append(out.to_ndarray().reshape(-1))
                reached = frame.time - offset
                if end is not None and reached > end:
                    break
            for out in resampler.resample(None):
                blocks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            raise TruncatedMedia(
                f"{path.name}: the audio stops decoding after {reached:.2f} s; the file may be cut off or damaged"
            ) from exc
    samples = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
    first = start if first is None else first
    skip = max(0, round((start - first) * LOUDNESS_RATE))
    samples = samples[skip:]
    lead = max(0, round((first - start) * LOUDNESS_RATE))  # audio starting after ``start``: silence
    if lead:
        samples = np.concatenate([np.zeros(lead, np.float32), samples])
    if end is not None:
        samples = samples[: max(0, round((end - start) * LOUDNESS_RATE))]
    return Loudness(hop_seconds, start, tuple(rms_series(samples, LOUDNESS_RATE, hop_seconds)))
