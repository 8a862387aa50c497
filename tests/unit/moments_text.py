"""Timed words from plain text, for the moments tests.

Each word takes ``per_word`` seconds (spoken for all but the last 0.05 s of it), sentence
punctuation adds ``sentence_gap`` of silence, and a token like ``<2.5>`` inserts a pause of that
many seconds.
"""

from __future__ import annotations

import re

from streams.domain.words import Word

_PAUSE = re.compile(r"^<(\d+(?:\.\d+)?)>$")


def timed_words(text: str, start: float = 0.0, per_word: float = 0.35, sentence_gap: float = 0.6) -> list[Word]:
    words: list[Word] = []
    t = start
    for token in text.split():
        pause = _PAUSE.match(token)
        if pause:
            t += float(pause.group(1))
            continue
        words.append(Word(token, round(t, 3), round(t + per_word - 0.05, 3), 0.9))
        t += per_word
        if token.rstrip("\"')").endswith((".", "?", "!")):
            t += sentence_gap
    return words


# Plain statements with no hook, no numbers and a clean start: the background a good moment
# has to stand out from.
FILLER = (
    "The meeting room was on the left side of the building near the old kitchen.",
    "We talked about the schedule for a while and then looked at the notes again.",
    "Everyone agreed the plan looked reasonable given the time we had left in the day.",
    "The weather outside stayed grey and calm for most of the long afternoon session.",
)


def filler(seconds: float) -> str:
    """Flat filler text lasting at least ``seconds`` with the default timing."""
    out: list[str] = []
    t = 0.0
    i = 0
    while t < seconds:
        sentence = FILLER[i % len(FILLER)]
        out.append(sentence)
        t += len(sentence.split()) * 0.35 + 0.6
        i += 1
    return " ".join(out)
