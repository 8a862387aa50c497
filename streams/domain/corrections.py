"""A person's corrections of a transcript's words: a name Whisper misheard ("pear" for "bear"), a
brand spelt wrong. A word is named by its ``start`` as the transcript lists it (and, to be sure it
is the word the person saw, by what it reads now: ``was``). A corrected word keeps its times and
speaker, is as sure as a typed word can be (probability 1.0) and keeps what was heard under
``heard``, so that a correction can be taken back. Every reader of the stored chunks (transcript
exports, captions of clips rendered after it, search) then reads the corrected word, and the
titles of the moments it is spoken in (their hook titles) read it too (``retitled``).

Pure: the stored chunks' words and segments as JSON in, the same out; titles as strings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from streams.errors import WordChanged

MAX_WORD = 100  # characters a corrected word may have (it may hold a space: "New York")
MAX_FIXES = 200  # words one correction may name
SAME_TIME = 0.0005  # seconds: the transcript gives times to the millisecond


@dataclass(frozen=True)
class WordFix:
    """Make the word spoken at ``start`` read ``word`` (None: as it was heard again); ``was``, when
    given, is what it must read now."""

    start: float
    word: str | None
    was: str | None = None

    def names(self, word: Mapping) -> bool:
        return abs(float(word["start"]) - self.start) <= SAME_TIME


@dataclass(frozen=True)
class Corrected:
    """A word as a person corrected it: spoken at ``start``, it reads ``word`` and was heard as ``heard``."""

    start: float
    word: str
    heard: str


def corrections_in(words: Iterable[Mapping]) -> tuple[Corrected, ...]:
    """The words of ``words`` (a chunk's, as stored) that a person corrected, in their order."""
    return tuple(Corrected(float(w["start"]), str(w["word"]), str(w["heard"]["word"])) for w in words if "heard" in w)


def words_mark(corrected: Iterable[Corrected], start: float, end: float) -> str:
    """What names the corrected words spoken in [start, end] (a clip's span) as they read: empty
    where there are none, else a digest of their times and words. A clip drawn with the words of
    one mark shows what the transcript reads exactly while the span's mark is still that one: a
    correction, and a correction taken back, change it."""
    inside = [(c.start, c.word) for c in corrected if start - SAME_TIME <= c.start <= end]
    return hashlib.sha256(repr(inside).encode()).hexdigest()[:12] if inside else ""


def spoken_within(word: Mapping, start: float, end: float) -> bool:
    """Whether ``word`` (``{"start", "end", ...}``) is spoken inside [start, end] (a moment's, a clip's)."""
    return start - SAME_TIME <= float(word["start"]) and float(word["end"]) <= end + SAME_TIME


def typed(text: str) -> str:
    """``text`` as a word of the transcript: its runs of white space one space, none at its ends.
    ValueError when that leaves nothing, more than ``MAX_WORD`` characters, or a control character."""
    word = " ".join(text.split())
    if not word or len(word) > MAX_WORD:
        raise ValueError(f"a word must be 1 to {MAX_WORD} characters")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in word):
        raise ValueError("a word may not hold control characters")
    return word


def corrected(
    words: Sequence[Mapping], fixes: Sequence[WordFix]
) -> tuple[list[dict], list[WordFix], list[tuple[dict, dict]]]:
    """``words`` (a chunk's, as stored) with the ``fixes`` that name one of them made: (the words,
    the fixes used, each word that reads otherwise now as it was and as it is). A fix names the
    first word at its time that reads ``was`` (any, without one), or that reads already what the
    fix makes of it (the same request sent again: nothing to do); WordChanged when a word is at its
    time but none reads either."""
    out = [dict(w) for w in words]
    used: list[WordFix] = []
    changed: list[tuple[dict, dict]] = []
    for fix in fixes:
        at = [i for i, w in enumerate(out) if fix.names(w)]
        if not at:
            continue
        named = [i for i in at if fix.was is None or out[i]["word"] == fix.was or _made(out[i], fix.word) == out[i]]
        if not named:
            raise WordChanged(
                f"the word at {fix.start:.3f} s reads {out[at[0]]['word']!r} now, not {fix.was!r}: read the transcript again"
            )
        i = named[0]
        used.append(fix)
        made = _made(out[i], fix.word)
        if made != out[i]:
            changed.append((out[i], made))
            out[i] = made
    return out, used, changed


def _made(word: dict, text: str | None) -> dict:
    heard = word.get("heard")
    if text is None or (heard is not None and text == heard["word"]):  # back to what was heard
        if heard is None:
            return word
        rest = {k: v for k, v in word.items() if k != "heard"}
        return {**rest, "word": heard["word"], "probability": heard["probability"]}
    if text == word["word"]:
        return word
    kept = heard if heard is not None else {"word": word["word"], "probability": word.get("probability", 1.0)}
    return {**word, "word": text, "probability": 1.0, "heard": kept}


def resegmented(segments: Sequence[Mapping], before: Sequence[Mapping], after: Sequence[Mapping]) -> list[dict]:
    """``segments`` (Whisper's, with their ``text``) with the words that changed from ``before`` to
    ``after`` (the same words, in order) rewritten where their texts hold them. The words are found
    in the texts in order, each after the one before it (their times and the segments' need not
    agree); from a word the texts do not hold on, nothing more is rewritten."""
    out = [dict(s) for s in segments]
    texts = [str(s.get("text", "")) for s in out]
    edits: dict[int, list[tuple[int, str, str]]] = {}
    at_segment, cursor = 0, 0
    for b, a in zip(before, after):
        found = next(
            (
                (j, at)
                for j in range(at_segment, len(texts))
                if (at := texts[j].find(b["word"], cursor if j == at_segment else 0)) >= 0
            ),
            None,
        )
        if found is None:
            break
        at_segment, at = found
        if a["word"] != b["word"]:
            edits.setdefault(at_segment, []).append((at, b["word"], a["word"]))
        cursor = at + len(b["word"])
    for j, changes in edits.items():
        text = texts[j]
        for at, old, new in reversed(changes):
            text = text[:at] + new + text[at + len(old) :]
        out[j]["text"] = text
    return out


def retitled(title: str, swaps: Sequence[tuple[str, str]]) -> str:
    """``title`` with each word ``old`` of ``swaps`` that it holds (a whole word, in any case, its
    punctuation aside) written as ``new``: a title is a phrase of the words spoken
    (``streams.moments.titles``), so a word corrected in a moment is corrected in its title, capital
    first letter kept."""
    for old, new in swaps:
        was, now = _bare(old), _bare(new)
        if not was or not now or was == now:
            continue
        spoken = re.compile(rf"(?<!\w){re.escape(was)}(?!\w)", re.IGNORECASE)
        title = spoken.sub(partial(_cased, now), title)
    return title


# The quotation marks a moment's reason puts the talk's own words in, in every language it is
# written in (``streams.moments.wording``): "…", „…“, «…», “…”, 「…」.
QUOTED = re.compile(r'"[^"]*"|„[^“]*“|«[^»]*»|“[^”]*”|「[^」]*」')


def requoted(reason: str, swaps: Sequence[tuple[str, str]]) -> str:
    """``reason`` with the words it quotes from the talk (its hook, a bold claim: the phrases in
    quotation marks) corrected as ``retitled`` corrects a title; the reason's own words stay as
    they are, whatever they share with the word corrected."""
    return QUOTED.sub(lambda quoted: retitled(quoted.group(0), swaps), reason)


def _cased(word: str, spoken: re.Match[str]) -> str:
    """``word`` with a capital first letter where the word it replaces had one."""
    return word[:1].upper() + word[1:] if spoken.group(0)[:1].isupper() else word


def _bare(word: str) -> str:
    """A word without the punctuation around it ("country," is "country")."""
    return re.sub(r"^\W+|\W+$", "", word)
