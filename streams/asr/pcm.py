"""Checks on raw PCM before it reaches the speech model (pure: numpy only).

The Triton model and the clients share these rules, so a request the client would send is one the
server accepts, and a bad one is refused with the same words on both sides.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000
MAX_SECONDS = 180.0  # the longest chunk the ingest stage emits is 120 s; leave headroom


class InvalidAudio(ValueError):
    """The PCM cannot be transcribed; the message says why."""


def validate_pcm(audio: np.ndarray, max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Return ``audio`` as a contiguous 1-D float32 array, or raise InvalidAudio.

    Accepts shape ``(n,)`` or ``(1, n)``; refuses other dtypes, empty input, input longer than
    ``max_seconds`` at 16 kHz, and any NaN or infinite sample.
    """
    if not isinstance(audio, np.ndarray):
        raise InvalidAudio(f"audio must be a numpy array, got {type(audio).__name__}")
    if audio.dtype != np.float32:
        raise InvalidAudio(f"audio must be float32 PCM at 16 kHz, got dtype {audio.dtype}")
    if audio.ndim == 2 and audio.shape[0] == 1:
        audio = audio[0]
    if audio.ndim != 1:
        raise InvalidAudio(f"audio must be one channel (shape [n]), got shape {list(audio.shape)}")
    if audio.size == 0:
        raise InvalidAudio("audio is empty")
    seconds = audio.size / SAMPLE_RATE
    if seconds > max_seconds:
        raise InvalidAudio(f"audio is {seconds:.1f}s long; the limit is {max_seconds:.0f}s per request")
    if not np.isfinite(audio).all():
        raise InvalidAudio("audio contains NaN or infinite samples")
    return np.ascontiguousarray(audio)
