"""Word error rate: (substitutions + deletions + insertions) / reference words, after the same
light normalisation on both sides (lower case, punctuation dropped, hyphens split), so that
"Well-known," and "well known" agree. Numbers are not spelled out: a reference that writes
"fifteen" against "15" counts as an error, which keeps the measure strict."""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

_DROP = re.compile(r"[^\w\s']")


def normalise(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("-", " ").replace("’", "'")
    text = _DROP.sub(" ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
