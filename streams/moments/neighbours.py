"""A sentence read with its neighbours: one sentence alone says too little about what a passage
is, so the editorial map and the editorial head embed each sentence averaged with the sentences
around it (pure numpy)."""

from __future__ import annotations

import numpy as np

CONTEXT = 1  # neighbours on each side embedded with a sentence
_FLOOR = 1e-6


def in_context(embeddings: np.ndarray, context: int | None = None) -> np.ndarray:
    """Each sentence's embedding averaged with its ``context`` neighbours on each side (default
    ``CONTEXT``), unit length (one sentence alone says too little)."""
    context = CONTEXT if context is None else context
    embeddings = np.asarray(embeddings, dtype=np.float32)
    n = len(embeddings)
    # A running sum makes every window's mean one subtraction.
    cumulative = np.vstack([np.zeros((1, embeddings.shape[1]), np.float32), np.cumsum(embeddings, axis=0)])
    lo = np.clip(np.arange(n) - context, 0, n)
    hi = np.clip(np.arange(n) + context + 1, 0, n)
    around = (cumulative[hi] - cumulative[lo]) / (hi - lo)[:, None]
    return around / np.maximum(np.linalg.norm(around, axis=1, keepdims=True), _FLOOR)
