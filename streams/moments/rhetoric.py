"""Rhetoric: the devices that make a line quotable, found in the words themselves.

A line people quote is rarely a story: it is built. Speechwriters and editors know the figures
(the speeches they clip are full of them), and they show in the words whatever the topic:

- *parallelism*: two clauses in a row built alike ("Knowledge will get you hired. Kindness will
  get you trusted."), their words in the same order with a few swapped;
- *a list of like clauses* (isocolon, the rule of three and more): three or more short clauses in a
  row of one length, the same word at the same place in each ("bear any burden, meet any
  hardship, support any friend");
- *chiasmus*: a pair of words reversed in the next clause ("ask not what your country can do for
  you, ask what you can do for your country");
- *anaphora* and refrains: the same opening, or the same phrase, said again and again within a
  few sentences ("Winter is not the end of the story" four times);
- *antithesis*: "not X but Y", "rather than", in the lexicon's words for it (``Lexicon.contrasts``).

``devices`` reads a talk's sentences once and gives each sentence its strongest device and a
strength in [0, 1]; a sentence takes part in a device when one of its clauses does. A run of
ordinary prose has none (most sentences score 0), so this is a rare, strong signal, added to
what the sentence reads like (``streams.moments.editorial``). Clauses are the sentence cut at
commas, semicolons, colons and dashes. Works on any language written with spaces; in a script
without spaces the "words" are characters and nothing is found (no device is claimed). Korean is
written with spaces, but each spaced word carries its particles and endings (``FORMS_BY_ROLE``),
so it is not read for devices either. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Callable, Sequence

from streams.moments.lexicon import Lexicon
from streams.moments.sentences import Sentence, bare

# Kinds, strongest first on ties; the reason names them in these words.
PARALLEL, CHIASMUS, REFRAIN, ANTITHESIS = "parallel lines", "a reversed pair", "a refrain", "a contrast"
NAMES = (CHIASMUS, REFRAIN, PARALLEL, ANTITHESIS)

CLAUSE_MARKS = ",;:—–"
MIN_CLAUSE_WORDS = 3  # shorter clauses ("Well," "And so,") are built alike by accident
MAX_CLAUSE_WORDS = 16  # a long clause that resembles another is prose, not a figure
PARALLEL_RATIO = 0.5  # share of two clauses' words that line up in order
REFRAIN_WORDS = 4  # a repeated phrase this long...
REFRAIN_TIMES = 3  # ...said this many times...
REFRAIN_SENTENCES = 8  # ...within this many sentences is a refrain
ANAPHORA_WORDS = 2  # the same opening words of clauses...
ANAPHORA_TIMES = 3  # ...this many times in a row of clauses
LIST_TIMES = 3  # clauses in a row built alike on one shared word make a list...
LIST_WORDS = (2, 6)  # ...when each is this short (words) and all are as long
COMMON_SHARE = 0.05  # a word in more than this share of a talk's sentences is a function word...
COMMON_MIN = 4  # ...and in at least this many of them
EVERYDAY_SHARE = 0.2  # a word in this share of them ("the", "and", "ich") never makes a reversed pair
# What each device is worth at full strength; a contrast marker alone is common in prose.
WORTH = {CHIASMUS: 1.0, REFRAIN: 1.0, PARALLEL: 0.8, ANTITHESIS: 0.5}
# Languages whose spaced words carry their role: a Korean word is a stem with its particles and
# endings attached (결정이 / 결정을, "the crystal" as subject / as object; 발명했습니다 / 발명하지,
# "invented" / "did not invent"), so a word said again is rarely the same form, and forms alike by
# accident read as figures. In the Korean refrigeration lecture (bench/moments_scripts.py) the
# figures English finds were all missed, and the three found were artefacts: a "reversed pair"
# made by the relative clause coming before its noun, "parallel lines" made by two compounds that
# share a noun. Nothing is claimed for them.
FORMS_BY_ROLE = frozenset({"ko"})


@dataclass(frozen=True)
class Device:
    kind: str  # one of NAMES
    strength: float  # in (0, 1]
    phrase: str  # the words that show it, for the reason


def clauses(sentence: Sentence) -> list[list[str]]:
    """The sentence's clauses as lists of bare words (cut after a word ending in a clause mark)."""
    out: list[list[str]] = [[]]
    for w in sentence.words:
        token = bare(w.word)
        if token:
            out[-1].append(token)
        if w.word.strip().rstrip("\"'”’»)")[-1:] in CLAUSE_MARKS and out[-1]:
            out.append([])
    return [c for c in out if c]


def devices(
    sentences: Sequence[Sentence],
    lexicon_of: Callable[[Sentence], Lexicon | None],
    language_of: Callable[[Sentence], str | None] = lambda s: None,
) -> list[Device | None]:
    """Each sentence's strongest rhetorical device, or None; one entry per sentence. A sentence
    in a language of ``FORMS_BY_ROLE`` (``language_of``) has none and takes part in none."""
    units: list[tuple[int, list[str]]] = [
        (i, c) for i, s in enumerate(sentences) if language_of(s) not in FORMS_BY_ROLE for c in clauses(s)
    ]
    found: list[Device | None] = [None] * len(sentences)

    def mark(i: int, device: Device) -> None:
        held = found[i]
        if held is None or (device.strength, -NAMES.index(device.kind)) > (held.strength, -NAMES.index(held.kind)):
            found[i] = device

    common, everyday = _common_words(units, len(sentences), COMMON_SHARE, EVERYDAY_SHARE)
    for (i, a), (j, b) in zip(units, units[1:]):
        if j - i > 1:
            continue
        reversed_pair = _chiasmus(a, b, common, everyday)
        if reversed_pair:
            for k in {i, j}:
                mark(k, Device(CHIASMUS, WORTH[CHIASMUS], reversed_pair))
            continue
        ratio = _alike(a, b)
        if ratio >= PARALLEL_RATIO:
            strength = WORTH[PARALLEL] * min(1.0, 0.5 + ratio / 2)
            for k in {i, j}:
                mark(k, Device(PARALLEL, round(strength, 3), " ".join(a)))
    for first, last, phrase in _lists(units):
        for k in range(first, last + 1):
            mark(k, Device(PARALLEL, WORTH[PARALLEL], phrase))
    for first, last, phrase in _refrains(units):
        for k in range(first, last + 1):
            mark(k, Device(REFRAIN, WORTH[REFRAIN], phrase))
    for i, s in enumerate(sentences):
        lexicon = lexicon_of(s)
        if lexicon is None or not lexicon.contrasts:
            continue
        words = [bare(w.word) for w in s.words]
        phrase = _contrast(words, lexicon.contrasts)
        if phrase:
            mark(i, Device(ANTITHESIS, WORTH[ANTITHESIS], phrase))
    return found


def _lists(units: list[tuple[int, list[str]]]) -> list[tuple[int, int, str]]:
    """(first sentence, last sentence, phrase) of each run of at least ``LIST_TIMES`` short
    clauses in a row, within a sentence or the next, of one length and with one word at the
    same place in all ("bear any burden, meet any hardship, support any friend"): the phrase is
    the run's first ``LIST_TIMES`` clauses."""
    out: list[tuple[int, int, str]] = []
    start = 0
    while start < len(units):
        end = start + 1
        shared = _list_words(units[start][1])
        while end < len(units) and shared and units[end][0] - units[end - 1][0] <= 1:
            words = units[end][1]
            if len(words) != len(units[start][1]):
                break
            still = {(k, w) for k, w in shared if words[k] == w}
            if not still:
                break
            shared, end = still, end + 1
        if end - start >= LIST_TIMES:
            run = units[start:end]
            out.append((run[0][0], run[-1][0], ", ".join(" ".join(c) for _, c in run[:LIST_TIMES]) + " ..."))
            start = end
        else:
            start += 1
    return out


def _list_words(words: list[str]) -> set[tuple[int, str]]:
    """A clause's (place, word) pairs when it is short enough to be an item of a list, else none;
    the first word's place is not counted (a list's items differ in it: "bear", "meet", "support")."""
    low, high = LIST_WORDS
    return {(k, w) for k, w in enumerate(words) if k > 0} if low <= len(words) <= high else set()


def _alike(a: list[str], b: list[str]) -> float:
    """How much two clauses are built alike: the share of their words matched in order, 0 for
    clauses too short or too long to be a figure, or that are the same clause said twice."""
    if not (MIN_CLAUSE_WORDS <= len(a) <= MAX_CLAUSE_WORDS and MIN_CLAUSE_WORDS <= len(b) <= MAX_CLAUSE_WORDS):
        return 0.0
    if a == b:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    differ = max(len(a), len(b)) - same
    if same < 2 or differ < 1:
        return 0.0
    return 2.0 * same / (len(a) + len(b))


def _common_words(units: list[tuple[int, list[str]]], sentences: int, *shares: float) -> list[frozenset[str]]:
    """For each of ``shares``, the words said in more than that share of the talk's sentences (and
    in at least ``COMMON_MIN`` of them): the language's function words ("ich", "habe", "the",
    "you"), whose order swaps by grammar (German puts the verb second: "ich habe", "habe ich"),
    not by design."""
    seen: dict[str, set[int]] = {}
    for i, words in units:
        for w in words:
            seen.setdefault(w, set()).add(i)
    bars = [max(COMMON_MIN, share * sentences) for share in shares]
    return [frozenset(w for w, at in seen.items() if len(at) >= bar) for bar in bars]


def _chiasmus(
    a: list[str], b: list[str], common: frozenset[str] = frozenset(), everyday: frozenset[str] = frozenset()
) -> str:
    """A pair of words (each longer than two letters) in one order in ``a`` and the other in
    ``b``: "country ... you" then "you ... country". One of the two may be a ``common`` word (the
    figure turns on "you"), but not both (two function words swap by grammar), and neither an
    ``everyday`` one ("the", "and"). The pair as ``"x ... y / y ... x"``, or ""."""
    if not (MIN_CLAUSE_WORDS <= len(a) <= MAX_CLAUSE_WORDS and MIN_CLAUSE_WORDS <= len(b) <= MAX_CLAUSE_WORDS):
        return ""
    first = {w: k for k, w in reversed(list(enumerate(a)))}
    second = {w: k for k, w in reversed(list(enumerate(b)))}
    shared = [w for w in first if w in second and len(w) > 2 and w not in everyday and a.count(w) == b.count(w) == 1]
    # The pair that frames most of both clauses, then the longer words: "country ... you", not
    # "country ... can" or "your ... you".
    pairs = [
        (first[y] - first[x] + second[x] - second[y], len(x) + len(y), x, y)
        for x in shared
        for y in shared
        if first[x] < first[y] and second[y] < second[x] and not (x in common and y in common)
    ]
    if pairs:
        *_, x, y = max(pairs)
        return f"{x} ... {y} / {y} ... {x}"
    return ""


def _refrains(units: list[tuple[int, list[str]]]) -> list[tuple[int, int, str]]:
    """(first sentence, last sentence, phrase) of each phrase of ``REFRAIN_WORDS`` said
    ``REFRAIN_TIMES`` times within ``REFRAIN_SENTENCES`` sentences, and of each run of
    ``ANAPHORA_TIMES`` clauses in a row that open alike."""
    out: list[tuple[int, int, str]] = []
    seen: dict[tuple[str, ...], list[int]] = {}
    for i, words in units:
        for k in range(len(words) - REFRAIN_WORDS + 1):
            gram = tuple(words[k : k + REFRAIN_WORDS])
            at = seen.setdefault(gram, [])
            if not at or at[-1] != i:
                at.append(i)
    spans: dict[tuple[int, int], list[str]] = {}
    for gram, at in seen.items():
        for n in range(len(at) - REFRAIN_TIMES + 1):
            if at[n + REFRAIN_TIMES - 1] - at[n] < REFRAIN_SENTENCES:
                phrase = spans.setdefault((at[n], at[n + REFRAIN_TIMES - 1]), list(gram))
                if phrase[-REFRAIN_WORDS + 1 :] == list(gram[:-1]):  # the next word of the same phrase
                    phrase.append(gram[-1])
                break
    out.extend((first, last, " ".join(phrase)) for (first, last), phrase in spans.items())
    run: list[tuple[int, list[str]]] = []
    for unit in units + [(-1, [])]:
        opening = unit[1][:ANAPHORA_WORDS]
        if run and len(opening) == ANAPHORA_WORDS and opening == run[0][1][:ANAPHORA_WORDS]:
            run.append(unit)
            continue
        if len(run) >= ANAPHORA_TIMES:
            out.append((run[0][0], run[-1][0], " ".join(run[0][1][:ANAPHORA_WORDS]) + " ..."))
        run = [unit] if len(opening) == ANAPHORA_WORDS and len(unit[1]) >= MIN_CLAUSE_WORDS else []
    return out


def _contrast(words: list[str], contrasts: tuple[tuple[str, ...], ...]) -> str:
    """The first of the lexicon's contrast markers found in ``words`` with a word before it, as
    said, or "". A marker is a phrase whose ``...`` stands for one to ``MAX_CLAUSE_WORDS`` words
    ("not ... but")."""
    for marker in contrasts:
        if _said(words, list(marker), 1):
            return " ".join(marker)
    return ""


def _said(words: list[str], marker: list[str], at_least_from: int) -> bool:
    """Whether ``marker`` (``...`` a gap) occurs in ``words`` starting at or after ``at_least_from``."""
    head = marker[0]
    for k in range(at_least_from, len(words)):
        if words[k] == head and _follows(words, k + 1, marker[1:]):
            return True
    return False


def _follows(words: list[str], k: int, rest: list[str]) -> bool:
    if not rest:
        return True
    if rest[0] == "...":
        return any(_follows(words, k + gap, rest[1:]) for gap in range(1, MAX_CLAUSE_WORDS + 1) if k + gap < len(words))
    return k < len(words) and words[k] == rest[0] and _follows(words, k + 1, rest[1:])
