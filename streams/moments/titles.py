"""Titles: a headline a person would keep, taken whole from the clip's most quotable sentence.

The sentence comes first: the one with the strongest rhetorical device, else the one that stands
out most in what editors clip (``editorial``), else the most hook-like, else the one that lands
the point; the earliest on ties. A sentence that mixes writing systems (a recogniser's garbled
word: "Auf das Из-Te-..." in German) comes after every one that does not. Its words are then
made into a title of at most ``TITLE_CHARS`` characters that is always a whole phrase:

1. the whole sentence, when it fits;
2. else the longest run of its whole clauses that fits (clauses end at a comma, semicolon, colon
   or dash), of at least ``MIN_WORDS`` words;
3. else its longest opening that fits and stops just before a word that opens a new clause (a
   conjunction or a relative pronoun: ``Lexicon.phrase_starts``), never on a word that cannot
   end one ("the", "and": ``sentences.CONTINUING_WORDS``);
4. else its longest opening that fits and stops just before a preposition (the end of a noun or
   verb phrase: ``Lexicon.prepositions``), on the same terms.

Rules 1 and 2 are tried on the ``TRIED`` most quotable sentences before rule 3 is tried on any,
and rule 4 only once no sentence gives anything by rules 1-3 (none is known in its language, or
none fits). Only when no sentence gives a phrase is the best one cut at a whole word, the old
rule. Leading fillers ("so", "well") are dropped first.
Pure: sentences in, a string out.
"""

from __future__ import annotations

from typing import Sequence

from streams.moments import signals
from streams.moments.evidence import Evidence
from streams.moments.lexicon import Lexicon
from streams.moments.rhetoric import CLAUSE_MARKS
from streams.moments.sentences import CONTINUING_WORDS, Sentence, bare, join_words
from streams.text.scripts import mixes_scripts

TITLE_CHARS = 60  # the CLI's clips table shows this many whole (``streams.cli.console``)
MIN_WORDS = 3  # a clause shorter than this says too little to be a title
TRIED = 3  # the most quotable sentences looked at for a whole sentence or clause before a cut one
UNTITLED = "Untitled moment"
_OPENERS = "\"'“‘«([{ "
_CLOSERS = "\"'”’»)]}"


def title(sentences: Sequence[Sentence], evidence: Evidence | None = None) -> str:
    """The clip's title (see the module); ``evidence`` gives each sentence's language and, with an
    editorial map covering the sentences, which are the most quotable."""
    evidence = evidence or Evidence()
    ranked = _by_quotability(sentences, evidence)
    for sentence in ranked[:TRIED]:
        lexicon = evidence.lexicon_of(sentence)
        phrase = _whole_clauses(_words(sentence, lexicon), lexicon)
        if phrase:
            return _as_title(phrase)
    for sentence in ranked:
        lexicon = evidence.lexicon_of(sentence)
        words = _words(sentence, lexicon)
        phrase = _whole_clauses(words, lexicon) or _opening(
            words, lexicon.phrase_starts if lexicon is not None else None
        )
        if phrase:
            return _as_title(phrase)
    for sentence in ranked:
        lexicon = evidence.lexicon_of(sentence)
        phrase = _opening(_words(sentence, lexicon), lexicon.prepositions if lexicon is not None else None)
        if phrase:
            return _as_title(phrase)
    best = _words(ranked[0], evidence.lexicon_of(ranked[0])) if ranked else []
    text = _text(best)
    if len(text) > TITLE_CHARS:
        # Whole words only; a single word longer than the limit is the one case cut mid-word.
        head = text[: TITLE_CHARS + 1]
        text = head.rsplit(" ", 1)[0] if " " in head[1:] else text[:TITLE_CHARS]
    return _as_title(text)


def _by_quotability(sentences: Sequence[Sentence], evidence: Evidence) -> list[Sentence]:
    editorial = evidence.editorial
    known = editorial is not None and editorial.covers(sentences)

    def strength(pair: tuple[int, Sentence]) -> tuple[float, ...]:
        index, sentence = pair
        lexicon = evidence.lexicon_of(sentence)
        legible = float(not mixes_scripts(sentence.text))
        rules = (signals.hook(sentence, lexicon), signals.payoff(sentence, None, lexicon), -index)
        if not known:
            return (legible, *rules)
        assert editorial is not None
        device = editorial.device([sentence])
        return (legible, device.strength if device is not None else 0.0, editorial.score_of(sentence), *rules)

    return [s for _, s in sorted(enumerate(sentences), key=strength, reverse=True)]


def _words(sentence: Sentence, lexicon: Lexicon | None) -> list[str]:
    leading = lexicon.leading_fillers if lexicon is not None else frozenset[str]()
    words = [w.word.strip() for w in sentence.words if w.word.strip()]
    while len(words) > 1 and bare(words[0]) in leading:
        words.pop(0)
    return words


def _whole_clauses(words: list[str], lexicon: Lexicon | None) -> str:
    """The whole sentence when it fits, else its longest run of whole clauses that fits (rules 1
    and 2 of the module; a run loses its leading fillers too: "and the town waited"), or ""."""
    whole = _text(words)
    if whole and len(whole) <= TITLE_CHARS:
        return whole
    leading = lexicon.leading_fillers if lexicon is not None else frozenset[str]()
    ends = [i + 1 for i, w in enumerate(words) if w.rstrip(_CLOSERS)[-1:] in CLAUSE_MARKS] + [len(words)]
    starts = [0] + ends[:-1]
    runs = []
    for a in starts:
        while a < len(words) - 1 and bare(words[a]) in leading:
            a += 1
        runs += [_text(words[a:b]) for b in ends if b - a >= MIN_WORDS]
    return max((r for r in runs if r and len(r) <= TITLE_CHARS), key=len, default="")


def _opening(words: list[str], breaks: frozenset[str] | None) -> str:
    """The longest opening of ``words`` that fits and stops before one of ``breaks`` (rules 3 and
    4), or ""."""
    if not breaks:
        return ""
    cuts = [
        k
        for k in range(MIN_WORDS + 1, len(words))
        if bare(words[k]) in breaks and bare(words[k - 1]) not in CONTINUING_WORDS
    ]
    heads = [_text(words[:k]) for k in cuts]
    return max((h for h in heads if len(h) <= TITLE_CHARS), key=len, default="")


def _text(words: list[str]) -> str:
    text = join_words(words).lstrip(_OPENERS)
    # A question mark is the hook itself; any other end punctuation reads as a cut-off sentence.
    while text and not (text[-1].isalnum() or text[-1] in "?%"):
        text = text[:-1]
    return text


def _as_title(text: str) -> str:
    # Events require a title; only a sentence of bare punctuation leaves nothing.
    return text[:1].upper() + text[1:] if text else UNTITLED
