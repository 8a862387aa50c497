"""Sentences: the unit a clip is cut on, so a clip never starts or stops mid-sentence.

Whisper gives words with punctuation attached ("Hello," "why?"). A sentence ends after a word
that ends with ``.``, ``?`` or ``!``, except common abbreviations, initials, and a full stop that
the next word shows to be inside a sentence (``"approx."`` then ``"five"``, ``"3."`` then ``"5"``).
Without punctuation a sentence also ends at a long pause before a capitalised word, or at a
silence long enough that the speaker clearly stopped. What is left over is cut at its longest
pause so no sentence grows past ``max_seconds``: an over-long sentence could never fit a clip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from streams.domain.words import Word
from streams.text.scripts import caseless, unspaced

TERMINAL = ".?!。！？؟।"  # with the full stops and question marks of CJK, Arabic and Devanagari
_AS_LATIN = {"。": ".", "！": "!", "？": "?", "؟": "?", "।": "."}

# Closing quotes and brackets may follow the real end of a sentence: `."` or `?)`.
_CLOSERS = "\"'”’»)]}」』）"
_OPENERS = "\"'“‘«([{「『（"

# Abbreviations whose full stop is part of the word, not the end of a sentence.
ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "jr.", "sr.", "vs.", "e.g.", "i.e."})

_INITIAL = re.compile(r"^[A-Z]\.$")
_DIGIT_STOP = re.compile(r"\d\.$")

MAX_SENTENCE_SECONDS = 25.0  # longer sentences are split at their longest pause

# A pause this long before a capitalised word ends a sentence that has no punctuation...
PAUSE_SECONDS = 1.0
# ...and a silence this long ends it whatever follows: the speaker stopped.
SILENCE_SECONDS = 3.0
# Nobody ends a sentence on these: a pause after them is hesitation, not an ending.
CONTINUING_WORDS = frozenset(
    "a an the and or but of to in on at for from with by as into about than my your our their his"
    " her its this that these those which who whose because if when while is are was were".split()
)
# Glued to the previous word (a decimal's second half) within this gap.
_GLUED_SECONDS = 0.05
_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{}.,;:!?¿¡…-–—"


@lru_cache(maxsize=1 << 16)
def bare(text: str) -> str:
    """``text`` lower-cased without surrounding punctuation (``"Why?"`` → ``"why"``), for matching."""
    return text.strip().strip(_EDGE_PUNCTUATION).replace("’", "'").lower()


# An elided article, pronoun or preposition ("l'", "qu'", "dell'", "quest'") before a word of at
# least three letters.
_ELIDED = re.compile(r"^[^\W\d_]{1,5}['’](?=[^\W\d_]{3})")


def unelided(text: str) -> str:
    """``text`` without the elided word before its apostrophe: French "l'erreur" is "erreur",
    Italian "dell'errore" "errore", "l'Europe" "Europe", so a word list finds the word. A
    contraction's ending ("it's", "don't", "qu'on") is too short to be a word of its own, and a
    long first part is one word ("aujourd'hui"): those stay whole."""
    return _ELIDED.sub("", text, count=1)


def listed(text: str) -> str:
    """The form in which a word list looks ``text`` up: ``bare``, then ``unelided``."""
    return unelided(bare(text))


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
    into "i" ".e": a token that starts with a joining mark is glued to the one before. Words of
    scripts written without spaces (Chinese, Japanese, Thai) are glued too
    (``streams.text.scripts``)."""
    text = ""
    for word in (w.strip() for w in words):
        if not word:
            continue
        glued = word[0] in "-.,'%)" or unspaced(text[-1]) or unspaced(word[0]) if text else False
        text += word if glued or not text else " " + word
    return text


@dataclass(frozen=True)
class Sentence:
    """Attributes:
    words: the sentence's words in time order; never empty.
    """

    words: tuple[Word, ...]

    def __hash__(self) -> int:
        # Signals cache per sentence; hashing every word's text on each lookup would cost more
        # than the signal. Equality still compares the words.
        return hash((self.words[0].start, self.words[-1].end, len(self.words), self.words[0].word))

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
    def speaker(self) -> str | None:
        """Who says it (a change of speaker ends a sentence); None where speakers are not known."""
        return self.words[0].speaker

    @property
    def ending(self) -> str:
        """``.``, ``?`` or ``!`` when the sentence ends on punctuation, in whatever script it is
        written (``？`` and ``؟`` are ``?``, ``。`` is ``.``); ``""`` when it was cut at a pause."""
        mark = terminal(self.words[-1].word)
        return _AS_LATIN.get(mark, mark)


def breaks_after(word: Word, following: Word | None) -> bool:
    """Whether a sentence ends after ``word``, given the word that follows it (``None`` at the end).

    A change of speaker always ends one. Then punctuation decides; a full stop followed, without a
    long pause, by a lower-case word or by a number glued on (``"3."`` ``"5"``) is an abbreviation
    or a decimal. Without punctuation a pause of ``PAUSE_SECONDS`` before a capitalised word, or ``SILENCE_SECONDS`` of silence, ends
    the sentence, unless ``word`` leaves it hanging (``"and"``, ``"the"``, a trailing comma).
    """
    if following is None:
        return ends_sentence(word.word)
    if word.speaker != following.speaker:  # another voice takes over (both None: not known)
        return True
    gap = following.start - word.end
    mark = terminal(word.word)
    if mark:
        if mark != "." or gap >= PAUSE_SECONDS:
            return True
        nxt = following.word.strip().lstrip(_OPENERS)
        if nxt[:1].islower():
            return False
        glued_number = nxt[:1].isdigit() and gap <= _GLUED_SECONDS
        return not (glued_number and _DIGIT_STOP.search(word.word.strip().rstrip(_CLOSERS)))
    text = word.word.strip()
    if not text or text[-1] in ",;:-–—" or bare(text) in CONTINUING_WORDS:
        return False
    if gap >= SILENCE_SECONDS:
        return True
    nxt = following.word.strip().lstrip(_OPENERS)
    # A script without capitals (Chinese, Arabic...) cannot show a new sentence by one.
    return gap >= PAUSE_SECONDS and (nxt[:1].isupper() or caseless(nxt[:1]))


def build_sentences(words: Iterable[Word], max_seconds: float = MAX_SENTENCE_SECONDS) -> list[Sentence]:
    """Group time-ordered words into sentences; every word lands in exactly one, order kept.

    A sentence longer than ``max_seconds`` is split at its longest pause, again and again, until
    every piece fits or is a single word.
    """
    sentences, rest = closed_sentences(words, max_seconds)
    # The last words end a sentence whether or not they end on punctuation: nothing follows.
    if rest:
        sentences.extend(Sentence(tuple(piece)) for piece in _pieces(rest, max_seconds))
    return sentences


def closed_sentences(
    words: Iterable[Word], max_seconds: float = MAX_SENTENCE_SECONDS
) -> tuple[list[Sentence], list[Word]]:
    """The sentences ``words`` close for good, and the words after the last of them.

    Whether a sentence ends after a word depends only on that word and the next
    (``breaks_after``), so a sentence whose next word is known stays as it is whatever words come
    later: ``build_sentences(words + more)`` starts with these sentences, and the rest is
    ``build_sentences(open_words + more)``. A transcript arriving in chunks is cut into sentences
    once, not again from its start for every chunk.
    """
    words = list(words)
    sentences: list[Sentence] = []
    start = 0
    for i in range(len(words) - 1):
        if breaks_after(words[i], words[i + 1]):
            pieces = _pieces(words[start : i + 1], max_seconds)
            # Sentences are told apart by when they start (the maps of a talk's sentences key on
            # it): words stamped at one instant, as Whisper gives a run of Japanese tokens at
            # times, stay in one sentence with what follows them.
            if words[i + 1].start > pieces[-1][0].start:
                sentences.extend(Sentence(tuple(piece)) for piece in pieces)
                start = i + 1
    return sentences, words[start:]


def settled_until(sentences: Sequence[Sentence], open_words: Sequence[Word], default: float) -> float:
    """Up to when ``sentences`` (closed ones, then the pieces of ``open_words``) can no longer
    change: the start of the first open word (a long open run is split at its longest pause, and
    a later word may move that pause), else the start of the last sentence; ``default`` with none."""
    ends = [sentences[-1].start] if sentences else []
    if open_words:
        ends.append(open_words[0].start)
    return min(ends) if ends else default


def _pieces(run: Sequence[Word], max_seconds: float) -> list[list[Word]]:
    """``run`` split into sentences no longer than ``max_seconds`` where it can be, each starting
    later than the one before (a piece that would start with its predecessor joins it)."""
    pieces: list[list[Word]] = []
    for piece in _split_long(run, max_seconds):
        if pieces and piece[0].start <= pieces[-1][0].start:
            pieces[-1].extend(piece)
        else:
            pieces.append(list(piece))
    return pieces


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
