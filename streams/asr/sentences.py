"""Sentence-sized segments from timed words.

faster-whisper's batched pipeline decodes each window of up to 30 s of speech without timestamp
tokens, so it gives one segment per window; the sequential decoder gives one per phrase or
sentence (about 5 s). ``sentence_spans`` cuts a window's words back into such pieces from the words
alone: after a word that ends a sentence, where the speaker pauses, and, for a piece still longer
than ``max_seconds``, at its longest pause (where pauses tie: after a comma, then nearest the
middle).
"""

from __future__ import annotations

from typing import Sequence

from streams.domain.words import TimedWord

SENTENCE_ENDS = (".", "?", "!", "…", "。", "？", "！")
CLOSING = "\"'”’)]}»"
# Words that end in a full stop without ending a sentence (compared lower-case, without the stop).
ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "no",
        "vol",
        "fig",
        "approx",
        "inc",
        "ltd",
        "co",
        "mt",
        "u.s",
        "a.m",
        "p.m",
    }
)


def ends_sentence(word: str) -> bool:
    """True when ``word`` (as Whisper writes it, punctuation attached) closes a sentence."""
    text = word.strip().rstrip(CLOSING)
    if not text.endswith(SENTENCE_ENDS):
        return False
    if text.endswith(".") and not text.endswith(".."):
        return text[:-1].lower().lstrip("\"'“‘([{«") not in ABBREVIATIONS
    return True


def sentence_spans(
    words: Sequence[TimedWord], max_pause: float = 1.0, max_seconds: float = 15.0
) -> list[tuple[int, int]]:
    """Index ranges ``[i, j)`` that cover ``words`` in order: one per sentence, cut also where the
    gap between two words is at least ``max_pause`` seconds; a piece longer than ``max_seconds`` is
    halved at its longest gap until it fits (or is one word)."""
    spans: list[tuple[int, int]] = []
    begin = 0
    for i in range(len(words)):
        last = i == len(words) - 1
        if last or ends_sentence(words[i].word) or words[i + 1].start - words[i].end >= max_pause:
            spans.extend(_fit(words, begin, i + 1, max_seconds))
            begin = i + 1
    return spans


def _fit(words: Sequence[TimedWord], i: int, j: int, max_seconds: float) -> list[tuple[int, int]]:
    if j - i < 2 or words[j - 1].end - words[i].start <= max_seconds:
        return [(i, j)]

    def weight(k: int) -> tuple[float, bool, float]:  # cut after word k: longest gap, then a comma, then the middle
        gap = round(words[k + 1].start - words[k].end, 3)
        middle = -abs((words[k].end - words[i].start) - (words[j - 1].end - words[k + 1].start))
        return gap, words[k].word.strip().endswith((",", ";", ":")), middle

    cut = max(range(i, j - 1), key=weight) + 1
    return _fit(words, i, cut, max_seconds) + _fit(words, cut, j, max_seconds)
