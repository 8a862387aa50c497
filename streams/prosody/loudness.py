"""Loudness over time: the RMS envelope stored with each transcript chunk and read back to score
moments (pure numpy)."""

from __future__ import annotations

import numpy as np

from streams.prosody.pitch import SAMPLE_RATE

# The hop of the loudness envelope stored with each transcript chunk.
ENVELOPE_HOP_SECONDS = 0.5


def energy_envelope(
    pcm: np.ndarray, sample_rate: int = SAMPLE_RATE, hop_seconds: float = ENVELOPE_HOP_SECONDS
) -> np.ndarray:
    """RMS of each consecutive ``hop_seconds`` of ``pcm`` (float32). A final partial hop counts
    over the samples it has, so the length is ``ceil(len(pcm) / hop)``."""
    hop = max(1, round(hop_seconds * sample_rate))
    power = np.square(np.asarray(pcm, dtype=np.float64))
    starts = np.arange(0, power.size, hop)
    if starts.size == 0:
        return np.zeros(0, np.float32)
    counts = np.minimum(starts + hop, power.size) - starts
    return np.sqrt(np.add.reduceat(power, starts) / counts).astype(np.float32)
