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


def characters(text: str) -> list[str]:
    """``text`` as the characters ``normalise`` keeps, spaces dropped: the unit of error for
    languages written without spaces between words (Chinese, Japanese)."""
    return [c for word in normalise(text) for c in word]


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Character edits / reference characters, after ``characters`` on both sides."""
    ref, hyp = characters(reference), characters(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def error_rate(reference: str, hypothesis: str, language: str) -> tuple[str, float]:
    """``("cer", rate)`` for a language written without spaces (``languages.UNSPACED``), else
    ``("wer", rate)``."""
    from streams.asr.languages import UNSPACED

    if language in UNSPACED:
        return "cer", character_error_rate(reference, hypothesis)
    return "wer", word_error_rate(reference, hypothesis)


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def sentence_occurrences(sentences: Sequence[str], hypothesis: str, min_similarity: float = 0.6) -> list[int]:
    """How often each reference sentence is said in ``hypothesis``: the stretches of it that the
    sentence matches with at most ``(1 - min_similarity) * len(sentence)`` word edits (Sellers'
    approximate matching: the edit distance to the best stretch ending at each word), best
    first, each end at least half a sentence from every end counted before it. 0 is a dropped
    sentence; 2 for one said once is a repeat."""
    hyp = normalise(hypothesis)
    counts = []
    for sentence in sentences:
        ref = normalise(sentence)
        if not ref:
            counts.append(0)
            continue
        n = len(ref)
        allowed = (1 - min_similarity) * n
        column = list(range(n + 1))  # distances of ref[:i] to the best stretch ending before hyp[0]
        ends = []
        for j, h in enumerate(hyp):
            current = [0] * (n + 1)  # a stretch may start anywhere: row 0 costs nothing
            for i, r in enumerate(ref, 1):
                current[i] = min(column[i] + 1, current[i - 1] + 1, column[i - 1] + (r != h))
            column = current
            if column[n] <= allowed:
                ends.append((column[n], j))
        counted: list[int] = []
        for _, j in sorted(ends):
            if all(abs(j - k) >= max(1, n / 2) for k in counted):
                counted.append(j)
        counts.append(len(counted))
    return counts
