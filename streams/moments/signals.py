"""Signals: small, explainable measures of what makes a stretch of talk work as a short clip.

Each returns a float in [0, 1] (higher is better) so that ``scoring`` can weigh them together and
say in words why a moment was chosen.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

from streams.asr.whisper import Word
from streams.moments.sentences import Sentence, bare

# Openers that promise a payoff; matched as whole words within the first few words.
HOOK_PHRASES = (
    "here's", "here is", "the secret", "the truth", "why", "how", "what if", "imagine", "never",
    "stop", "you need", "the biggest", "the one thing", "nobody", "most people", "did you know",
    "the reason", "the problem", "the mistake", "the key", "the best", "the worst", "everyone",
    "let me tell you", "this is why", "i wish", "you won't believe", "what happens",
)

NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
    " sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
    " hundred thousand million billion trillion percent half dozen first second third".split()
)

# Words that point at something said before the clip starts: the viewer would miss the referent.
DANGLING_OPENERS = frozenset(
    "and but so because which that it this they he she or also then these those".split()
)

OPENING_WORDS = 8
NUMBER_DENSITY_FULL = 0.05  # one number in twenty words reads as concrete, data-driven talk
RATE_BAND = (2.5, 3.5)  # words per second that sound lively but stay easy to caption
RATE_FLOOR, RATE_CEILING = 1.0, 5.5
NEUTRAL = 0.5

_NUMERAL = re.compile(r"\d")


@dataclass(frozen=True)
class EnergyEnvelope:
    """Loudness of the audio over time.

    Attributes:
        hop_seconds: time between values.
        values: RMS of each hop, the first covering ``[0, hop_seconds)``; may cover only the audio
            heard so far.
    """

    hop_seconds: float
    values: tuple[float, ...] = ()

    @cached_property
    def median(self) -> float:
        """Median of all values; computed once, since every candidate window is compared to it."""
        return statistics.median(self.values) if self.values else 0.0

    def between(self, start: float, end: float) -> tuple[float, ...]:
        """The values of the hops that overlap ``[start, end)``."""
        if self.hop_seconds <= 0:
            return ()
        first = max(0, math.floor(start / self.hop_seconds))
        last = max(first + 1, math.ceil(end / self.hop_seconds))
        return self.values[first:last]


def _opening(sentence: Sentence) -> list[str]:
    return [bare(w.word) for w in sentence.words[:OPENING_WORDS]]


def is_number(text: str) -> bool:
    """A numeral (``"3"``, ``"$1,000"``, ``"40%"``) or a number word (``"three"``, ``"million"``)."""
    return bool(_NUMERAL.search(text)) or bare(text) in NUMBER_WORDS


def count_numbers(words: Sequence[Word]) -> int:
    return sum(1 for w in words if is_number(w.word))


def hook_phrase(sentence: Sentence) -> str | None:
    """The first hook phrase in the sentence's opening words, if any."""
    opening = " " + " ".join(_opening(sentence)) + " "
    found = [(opening.find(f" {p} "), p) for p in HOOK_PHRASES if f" {p} " in opening]
    return min(found)[1] if found else None


def hook(first_sentence: Sentence) -> float:
    """How strongly the clip's first sentence makes a scrolling viewer stop.

    Short-form viewers decide in the first two seconds; a question, a promise ("here's why") or a
    concrete number up front holds them. Each cue adds; a flat opener scores 0.
    """
    score = 0.0
    if first_sentence.ending == "?":
        score += 0.6
    phrase = hook_phrase(first_sentence)
    if phrase is not None:
        at_start = " ".join(_opening(first_sentence)).startswith(phrase)
        score += 0.5 if at_start else 0.35
    if any(is_number(w.word) for w in first_sentence.words[:OPENING_WORDS]):
        score += 0.3
    return min(1.0, score)


def numbers(words: Sequence[Word]) -> float:
    """Density of numbers: figures make a claim concrete and shareable ("3 steps", "40 percent")."""
    if not words:
        return 0.0
    density = count_numbers(words) / len(words)
    return min(1.0, density / NUMBER_DENSITY_FULL)


def words_per_second(words: Sequence[Word], duration: float) -> float:
    return len(words) / duration if duration > 0 else 0.0


def speech_rate(words: Sequence[Word], duration: float) -> float:
    """Pace: slow talk loses viewers, a torrent can't be read as captions; best 2.5–3.5 words/s."""
    rate = words_per_second(words, duration)
    low, high = RATE_BAND
    if rate < low:
        return max(0.0, (rate - RATE_FLOOR) / (low - RATE_FLOOR))
    if rate > high:
        return max(0.0, 1.0 - (rate - high) / (RATE_CEILING - high))
    return 1.0


def energy(start: float, end: float, envelope: EnergyEnvelope | None) -> float:
    """Loudness of the window against the median of the envelope so far: raised voices, laughter
    and emphasis mark the moments people share. 0.5 when nothing is known; each doubling of RMS
    (+6 dB) moves the score by 0.5."""
    if envelope is None or not envelope.values:
        return NEUTRAL
    window = envelope.between(start, end)
    if not window:
        return NEUTRAL
    level = statistics.fmean(window)
    median = envelope.median
    if median <= 0:
        return 1.0 if level > 0 else NEUTRAL
    if level <= 0:
        return 0.0
    return min(1.0, max(0.0, NEUTRAL + 0.5 * math.log2(level / median)))


def opens_mid_thought(sentences: Sequence[Sentence]) -> str | None:
    """The first word, when it refers back to something outside the clip ("And", "This", "It's")."""
    first = bare(sentences[0].words[0].word).split("'")[0]
    return first if first in DANGLING_OPENERS else None


def completeness(sentences: Sequence[Sentence]) -> float:
    """Whether the clip stands alone: it should not open on a reference to earlier talk and
    should land on a finished sentence rather than trail off."""
    if not sentences:
        return 0.0
    opening = 0.1 if opens_mid_thought(sentences) else 0.5
    ending = 0.5 if sentences[-1].ending else 0.0
    return opening + ending


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
