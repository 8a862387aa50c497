"""Decoding audio to 16 kHz mono float32 PCM with PyAV (a lazy pipeline: decode → resample).

Only local files are opened, and FFmpeg's protocol whitelist is set to ``file`` so a playlist or
``concat:`` trick inside a file can never make FFmpeg read anything else or reach the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

SAMPLE_RATE = 16_000
SAFE_OPTIONS = {"protocol_whitelist": "file"}


def iter_pcm(path: Path | str, sample_rate: int = SAMPLE_RATE) -> Iterator[np.ndarray]:
    """Yield float32 mono blocks at ``sample_rate`` from the first audio stream of ``path``."""
    import av

    with av.open(str(path), options=SAFE_OPTIONS) as container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise ValueError(f"{Path(path).name} has no audio stream")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1)
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(-1)


def decode_pcm(path: Path | str, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The whole audio track of ``path`` as one float32 mono array."""
    blocks = list(iter_pcm(path, sample_rate))
    return np.concatenate(blocks).astype(np.float32) if blocks else np.zeros(0, np.float32)
