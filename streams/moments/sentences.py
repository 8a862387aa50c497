"""Sentences: the unit a clip is cut on, so a clip never starts or stops mid-sentence.

Whisper gives words with punctuation attached ("Hello," "why?"). A sentence ends after a word
that ends with ``.``, ``?`` or ``!``, except common abbreviations and initials. Speech without
punctuation (Whisper drops it in fast or casual talk) is cut at its longest pause so no sentence
grows past ``max_seconds``: an over-long sentence could never fit in a short clip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from streams.asr.whisper import Word

TERMINAL = ".?!"

# Closing quotes and brackets may follow the real end of a sentence: `."` or `?)`.
_CLOSERS = "\"'”’»)]}"
_OPENERS = "\"'“‘«([{"

# Abbreviations whose full stop is part of the word, not the end of a sentence.
ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "jr.", "sr.", "vs.", "e.g.", "i.e."})

_INITIAL = re.compile(r"^[A-Z]\.$")
_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{}.,;:!?…-–—"


def bare(text: str) -> str:
    """``text`` lower-cased without surrounding punctuation (``"Why?"`` → ``"why"``), for matching."""
    return text.strip().strip(_EDGE_PUNCTUATION).replace("’", "'").lower()


def terminal(text: str) -> str:
    """The ``.``, ``?`` or ``!`` with which a word closes a sentence (``"done."``, ``'why?"'``), or
    ``""`` when it does not (``"so"``, ``"Dr."``, ``"J."``)."""
    core = text.strip().rstrip(_CLOSERS)
    if not core or core[-1] not in TERMINAL:
        return ""
    if core[-1] == ".":
        token = core.lstrip(_OPENERS)
        if token.lower() in ABBREVIATIONS or _INITIAL.match(token):
            return ""
    return core[-1]


def ends_sentence(text: str) -> bool:
    """Whether a word's text closes a sentence."""
    return terminal(text) != ""


def join_words(words: Iterable[str]) -> str:
    """Words as readable text. Whisper splits "steam-powered" into "steam" "-powered" and "i.e."
    into "i" ".e": a token that starts with a joining mark is glued to the one before."""
    text = ""
    for word in (w.strip() for w in words):
        if not word:
            continue
        text += word if text and word[0] in "-.,'%)" else (" " + word if text else word)
    return text


@dataclass(frozen=True)
class Sentence:
    """Attributes:
    words: the sentence's words in time order; never empty.
    """

    words: tuple[Word, ...]

    @property
    def start(self) -> float:
        """When the first word starts (seconds in the video)."""
        return self.words[0].start

    @property
    def end(self) -> float:
        """When the last word ends (seconds in the video)."""
        return self.words[-1].end

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def text(self) -> str:
        return join_words(w.word for w in self.words)

    @property
    def ending(self) -> str:
        """``.``, ``?`` or ``!`` when the sentence ends on punctuation; ``""`` when it was cut at a
        pause."""
        return terminal(self.words[-1].word)


def build_sentences(words: Iterable[Word], max_seconds: float = 25.0) -> list[Sentence]:
    """Group time-ordered words into sentences; every word lands in exactly one, order kept.

    A sentence longer than ``max_seconds`` is split at its longest pause, again and again, until
    every piece fits or is a single word.
    """
    sentences: list[Sentence] = []
    run: list[Word] = []
    for word in words:
        run.append(word)
        if ends_sentence(word.word):
            sentences.extend(Sentence(tuple(piece)) for piece in _split_long(run, max_seconds))
            run = []
    if run:
        sentences.extend(Sentence(tuple(piece)) for piece in _split_long(run, max_seconds))
    return sentences


def _split_long(run: Sequence[Word], max_seconds: float) -> list[Sequence[Word]]:
    if len(run) <= 1 or run[-1].end - run[0].start <= max_seconds:
        return [run]
    cut = _longest_pause(run)
    return _split_long(run[:cut], max_seconds) + _split_long(run[cut:], max_seconds)


def _longest_pause(run: Sequence[Word]) -> int:
    """Index of the first word after the longest gap; among equal gaps the one nearest the middle,
    so that splitting evenly timed speech halves it instead of peeling off one word at a time."""
    middle = len(run) / 2
    best, best_key = 1, (float("-inf"), 0.0)
    for i in range(1, len(run)):
        gap = round(run[i].start - run[i - 1].end, 6)
        key = (gap, -abs(i - middle))
        if key > best_key:
            best, best_key = i, key
    return best
