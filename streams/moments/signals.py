"""Signals from the words: small, explainable measures of what makes talk work as a short clip.

Each returns a float in [0, 1] (higher is better) so that ``scoring`` can weigh them together and
say in words why a moment was chosen. Signals from the audio and the picture are in ``evidence``.
The words listened for are those of the talk's language (``lexicon``; English where it is not
known); with ``None``, a language no lexicon covers, only what every language shares counts: a
question or exclamation mark in any script, numerals, pauses.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

from streams.domain.words import Word
from streams.moments.evidence import NEUTRAL
from streams.moments.lexicon import ENGLISH, Lexicon
from streams.moments.sentences import Sentence, bare, ends_sentence, listed, unelided
from streams.moments.topics import TopicMap

OPENING_WORDS = 8
NUMBER_DENSITY_FULL = 0.05  # one number in twenty words reads as concrete, data-driven talk
RATE_BAND = (2.5, 3.5)  # words per second that sound lively but stay easy to caption
RATE_FLOOR, RATE_CEILING = 1.0, 5.5
DEAD_AIR_SECONDS = 1.0  # a pause longer than this inside a clip is dead air
DEAD_AIR_FULL = 0.25  # a quarter of the clip in dead air scores 0
FILLER_FULL = 0.08  # one filler in twelve words scores 0
FIGURE_NEIGHBOURS = 2  # words within which another figure makes a loose number word one ("one in six")

_NUMERAL = re.compile(r"\d")


def _opening(sentence: Sentence) -> list[str]:
    return [bare(w.word) for w in sentence.words[:OPENING_WORDS]]


@lru_cache(maxsize=1 << 16)
def is_number(text: str, lexicon: Lexicon | None = ENGLISH) -> bool:
    """A numeral (``"3"``, ``"$1,000"``, ``"40%"``) or a number word of ``lexicon`` (``"three"``,
    ``"million"``)."""
    return bool(_NUMERAL.search(text)) or (lexicon is not None and listed(text) in lexicon.number_words)


def count_numbers(words: Sequence[Word], lexicon: Lexicon | None = ENGLISH) -> int:
    return sum(1 for w in words if is_number(w.word, lexicon))


def loose_numbers(words: Sequence[Word], lexicon: Lexicon | None = ENGLISH) -> set[int]:
    """The positions of ``words`` holding a loose number word (``Lexicon.loose_number_words``:
    "one", "first") with no other figure within ``FIGURE_NEIGHBOURS`` words of its sentence: "no
    one", "at first", "in the 1920s. First", not "one in six" or "the first three hours"."""
    if lexicon is None or not lexicon.loose_number_words:
        return set()
    sentence = list(itertools.accumulate((ends_sentence(w.word) for w in words), initial=0))
    loose = {i for i, w in enumerate(words) if listed(w.word) in lexicon.loose_number_words}
    firm = {i for i, w in enumerate(words) if i not in loose and is_number(w.word, lexicon)}
    return {i for i in loose if not any(abs(i - j) <= FIGURE_NEIGHBOURS and sentence[i] == sentence[j] for j in firm)}


def figure_positions(words: Sequence[Word], lexicon: Lexicon | None = ENGLISH) -> list[int]:
    """The positions of ``words`` a viewer would call figures: its numbers (``is_number``) but the
    loose number words that stand alone (``loose_numbers``: "one of them", "at first")."""
    loose = loose_numbers(words, lexicon)
    return [i for i, w in enumerate(words) if i not in loose and is_number(w.word, lexicon)]


def count_figures(words: Sequence[Word], lexicon: Lexicon | None = ENGLISH) -> int:
    """How many figures ``words`` hold (``figure_positions``), number words side by side being one
    ("ten thousand", "20 percent"). What a reason names; the ranking's density counts every number
    word (DEVELOPERS, "English number words that are rarely figures")."""
    at = figure_positions(words, lexicon)
    return sum(1 for k, i in enumerate(at) if k == 0 or at[k - 1] != i - 1)


def opens_with_figure(sentence: Sentence, lexicon: Lexicon | None = ENGLISH) -> bool:
    """Whether a figure (not a loose number word alone: "one of the things") is among the
    sentence's opening words, as a reason says of a hook."""
    return any(i < OPENING_WORDS for i in figure_positions(sentence.words, lexicon))


def _first_phrase(text: str, phrases: Sequence[str]) -> str | None:
    """The phrase of ``phrases`` found first in ``text`` (bare words joined by spaces) as whole
    words; the alphabetically first of those found at one place."""
    padded = f" {text} "
    found = [(padded.find(f" {p} "), p) for p in phrases if f" {p} " in padded]
    return min(found)[1] if found else None


def hook_phrase(sentence: Sentence, lexicon: Lexicon | None = ENGLISH) -> str | None:
    """The first hook phrase in the sentence's opening words, if any."""
    return _first_phrase(" ".join(_opening(sentence)), lexicon.hooks) if lexicon is not None else None


def direct_address(sentence: Sentence, lexicon: Lexicon | None = ENGLISH) -> bool:
    """Whether the opening words speak to the viewer ("you", "your", "you're")."""
    return lexicon is not None and any(w.split("'")[0] in lexicon.address for w in _opening(sentence))


def bold_claim(sentence: Sentence, lexicon: Lexicon | None = ENGLISH) -> str | None:
    """The first absolute or superlative in the opening words ("never", "best", "everyone")."""
    if lexicon is None:
        return None
    return next((w for w in _opening(sentence) if unelided(w) in lexicon.claims), None)


@lru_cache(maxsize=1 << 14)  # every window and every title asks about the same sentences
def hook(first_sentence: Sentence, lexicon: Lexicon | None = ENGLISH) -> float:
    """How strongly the clip's first sentence makes a scrolling viewer stop.

    Short-form viewers decide in the first two seconds; a question, a promise ("here's why"), a
    bold claim, a concrete number or words aimed at the viewer up front hold them. Each cue adds;
    a flat opener scores 0.
    """
    score = 0.0
    if first_sentence.ending == "?":
        score += 0.6
    elif first_sentence.ending == "!":
        score += 0.2
    phrase = hook_phrase(first_sentence, lexicon)
    if phrase is not None:
        at_start = " ".join(_opening(first_sentence)).startswith(phrase)
        score += 0.5 if at_start else 0.35
    if bold_claim(first_sentence, lexicon):
        score += 0.25
    if direct_address(first_sentence, lexicon):
        score += 0.25
    if any(is_number(w.word, lexicon) for w in first_sentence.words[:OPENING_WORDS]):
        score += 0.3
    return min(1.0, score)


def payoff_phrase(sentence: Sentence, lexicon: Lexicon | None = ENGLISH) -> str | None:
    """The first phrase in the sentence that draws a conclusion ("that's why", "the lesson")."""
    if lexicon is None:
        return None
    return _first_phrase(" ".join(bare(w.word) for w in sentence.words), lexicon.payoffs)


@lru_cache(maxsize=1 << 14)
def payoff(last_sentence: Sentence, ends_topic: bool | None = None, lexicon: Lexicon | None = ENGLISH) -> float:
    """How conclusively the clip ends: a stated lesson or result ("so", "that's why", "the
    lesson"), an exclamation, a figure, and closing its topic each add. A clip that stops on a
    setup leaves the viewer without the reason they watched."""
    score = 0.0
    phrase = payoff_phrase(last_sentence, lexicon)
    opens_with_so = lexicon is not None and bare(last_sentence.words[0].word) in lexicon.concluding
    if phrase is not None:
        leads = opens_with_so or " ".join(_opening(last_sentence)).startswith(phrase)
        score += 0.45 if leads else 0.35
    elif opens_with_so:
        score += 0.35
    if last_sentence.ending == "!":
        score += 0.25
    if any(is_number(w.word, lexicon) for w in last_sentence.words):
        score += 0.2
    if ends_topic:
        score += 0.3
    return min(1.0, score)


@dataclass(frozen=True)
class Talk:
    """Counts over a stretch of words, enough for the word-level window signals. Windows sum
    their sentences' counts (``talk``) instead of walking every word again.

    Attributes:
        words: how many words.
        numbers: how many of them are numbers (``is_number``).
        fillers: hesitations (``count_fillers``), counted within sentences.
        dead_air: seconds of silence in pauses over ``DEAD_AIR_SECONDS``.
    """

    words: int
    numbers: int
    fillers: int
    dead_air: float

    @classmethod
    def of(cls, words: Sequence[Word], lexicon: Lexicon | None = ENGLISH) -> Talk:
        return cls(len(words), count_numbers(words, lexicon), count_fillers(words, lexicon), dead_air(words))


@lru_cache(maxsize=1 << 14)
def sentence_talk(sentence: Sentence, lexicon: Lexicon | None = ENGLISH) -> Talk:
    return Talk.of(sentence.words, lexicon)


LexiconOf = Callable[[Sentence], "Lexicon | None"]


def _english(sentence: Sentence) -> Lexicon | None:
    return ENGLISH


def figures(sentences: Sequence[Sentence], lexicon_of: LexiconOf = _english) -> int:
    """The figures of consecutive sentences (``count_figures``), each read in its own language."""
    return sum(count_figures(s.words, lexicon_of(s)) for s in sentences)


def talk(sentences: Sequence[Sentence], lexicon_of: LexiconOf = _english) -> Talk:
    """The counts of consecutive sentences, pauses between them included; each sentence's words
    are read in its own language (``lexicon_of``)."""
    parts = [sentence_talk(s, lexicon_of(s)) for s in sentences]
    gaps = sum(b.start - a.end for a, b in zip(sentences, sentences[1:]) if b.start - a.end > DEAD_AIR_SECONDS)
    return Talk(
        words=sum(p.words for p in parts),
        numbers=sum(p.numbers for p in parts),
        fillers=sum(p.fillers for p in parts),
        dead_air=sum(p.dead_air for p in parts) + gaps,
    )


class TalkIndex:
    """Running totals of ``Talk`` over a list of sentences: the counts of any run of consecutive
    sentences in constant time, for scoring thousands of overlapping windows; each sentence's
    words read in its own language (``lexicon_of``)."""

    def __init__(self, sentences: Sequence[Sentence], lexicon_of: LexiconOf = _english) -> None:
        self._position = {id(s): k for k, s in enumerate(sentences)}
        self._sentences = sentences
        self._lexicon_of = lexicon_of
        totals = [(0, 0, 0, 0.0)]
        for k, sentence in enumerate(sentences):
            part = sentence_talk(sentence, lexicon_of(sentence))
            gap = sentence.start - sentences[k - 1].end if k else 0.0
            words, nums, fillers, silence = totals[-1]
            totals.append(
                (
                    words + part.words,
                    nums + part.numbers,
                    fillers + part.fillers,
                    silence + part.dead_air + (gap if gap > DEAD_AIR_SECONDS else 0.0),
                )
            )
        self._totals = totals

    def talk(self, run: Sequence[Sentence]) -> Talk:
        """The counts of ``run``, consecutive sentences of the indexed list (else computed)."""
        first, last = self._position.get(id(run[0])), self._position.get(id(run[-1]))
        if first is None or last is None or self._sentences[first] is not run[0] or last - first + 1 != len(run):
            return talk(run, self._lexicon_of)
        w1, n1, f1, d1 = self._totals[last + 1]
        w0, n0, f0, _ = self._totals[first]
        # The pause before the first sentence is outside the run.
        d0 = self._totals[first + 1][3] - sentence_talk(run[0], self._lexicon_of(run[0])).dead_air
        return Talk(w1 - w0, n1 - n0, f1 - f0, d1 - d0)


def _talk(words: Sequence[Word] | Talk) -> Talk:
    return words if isinstance(words, Talk) else Talk.of(words)


def numbers(words: Sequence[Word] | Talk) -> float:
    """Density of numbers: figures make a claim concrete and shareable ("3 steps", "40 percent")."""
    counts = _talk(words)
    if not counts.words:
        return 0.0
    return min(1.0, counts.numbers / counts.words / NUMBER_DENSITY_FULL)


def words_per_second(words: Sequence[Word] | Talk, duration: float) -> float:
    count = words.words if isinstance(words, Talk) else len(words)
    return count / duration if duration > 0 else 0.0


def speech_rate(words: Sequence[Word] | Talk, duration: float) -> float:
    """Pace: slow talk loses viewers, a torrent can't be read as captions; best 2.5–3.5 words/s."""
    rate = words_per_second(words, duration)
    low, high = RATE_BAND
    if rate < low:
        return max(0.0, (rate - RATE_FLOOR) / (low - RATE_FLOOR))
    if rate > high:
        return max(0.0, 1.0 - (rate - high) / (RATE_CEILING - high))
    return 1.0


def opens_mid_thought(sentences: Sequence[Sentence], lexicon: Lexicon | None = ENGLISH) -> str | None:
    """The first word, when it refers back to something outside the clip ("And", "This", "It's")."""
    if lexicon is None:
        return None
    first = bare(sentences[0].words[0].word).split("'")[0]
    return first if first in lexicon.dangling else None


def completeness(sentences: Sequence[Sentence], lexicon: Lexicon | None = ENGLISH) -> float:
    """Whether the clip stands alone: it should not open on a reference to earlier talk and
    should land on a finished sentence rather than trail off."""
    if not sentences:
        return 0.0
    opening = 0.1 if opens_mid_thought(sentences, lexicon) else 0.5
    ending = 0.5 if sentences[-1].ending else 0.0
    return opening + ending


def dead_air(words: Sequence[Word]) -> float:
    """Seconds of silence in pauses longer than ``DEAD_AIR_SECONDS`` between consecutive words."""
    return sum(max(0.0, b.start - a.end) for a, b in zip(words, words[1:]) if b.start - a.end > DEAD_AIR_SECONDS)


def count_fillers(words: Sequence[Word], lexicon: Lexicon | None = ENGLISH) -> int:
    """Hesitations: "um", "uh"..., and "like", "you know", "I mean" set off by commas (none
    without a lexicon)."""
    if lexicon is None:
        return 0
    starts = lexicon.filler_starts
    texts = [w.word.strip() for w in words]
    plain = [bare(t) for t in texts]
    count = 0
    for i, p in enumerate(plain):
        if p in lexicon.fillers:
            count += 1
            continue
        if p not in starts:
            continue
        for parts in starts[p]:
            end = i + len(parts)
            if plain[i:end] == list(parts) and ((i > 0 and texts[i - 1].endswith(",")) or texts[end - 1].endswith(",")):
                count += 1
    return count


def fluency(words: Sequence[Word] | Talk, duration: float) -> float:
    """1 for talk that flows; dead air (long pauses) and fillers take it down to 0."""
    counts = _talk(words)
    if not counts.words or duration <= 0:
        return 0.0
    silence = min(1.0, counts.dead_air / duration / DEAD_AIR_FULL)
    hesitation = min(1.0, counts.fillers / counts.words / FILLER_FULL)
    return max(0.0, 1.0 - silence - hesitation)


def coherence(sentences: Sequence[Sentence], topics: TopicMap | None) -> float:
    """Whether the clip is one topic, so its setup and payoff belong together. 0.7 inside one
    topic, up to 1 when it starts and ends with the topic; 0.3 across one topic change, 0 across
    more. Neutral without topics."""
    if topics is None or not topics.starts:
        return NEUTRAL
    crossed = topics.boundaries_inside(sentences)
    if crossed:
        return max(0.0, 0.3 - 0.3 * (crossed - 1))
    return 0.7 + 0.15 * topics.starts_topic(sentences[0]) + 0.15 * topics.ends_topic(sentences[-1])


def length_fit(
    duration: float, preferred: tuple[float, float] = (25.0, 45.0), limits: tuple[float, float] = (20.0, 60.0)
) -> float:
    """How well the length suits short-form feeds: 1 inside ``preferred``, falling linearly to 0.3
    at ``limits``, and on towards 0 beyond them (only the short-video fallback goes there)."""
    low, high = preferred
    shortest, longest = limits
    if low <= duration <= high:
        return 1.0
    if duration < low:
        if duration >= shortest:
            return 1.0 - 0.7 * (low - duration) / (low - shortest) if low > shortest else 1.0
        return max(0.0, 0.3 * duration / shortest) if shortest > 0 else 0.0
    if duration <= longest:
        return 1.0 - 0.7 * (duration - high) / (longest - high) if longest > high else 1.0
    return 0.3 * longest / duration
