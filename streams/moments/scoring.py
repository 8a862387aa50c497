"""Scoring: candidate windows of whole sentences, each scored 0–100 with a reason and a title."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from streams.asr.whisper import Word
from streams.moments import signals
from streams.moments.sentences import Sentence, bare, join_words
from streams.moments.signals import EnergyEnvelope

# How much each signal counts; they sum to 1 so the score is a weighted mean (x100).
WEIGHTS: dict[str, float] = {
    # The first seconds decide whether a viewer stays: the strongest single predictor.
    "hook": 0.25,
    # A clip that opens on "and it..." or trails off is confusing however good its middle.
    "completeness": 0.20,
    # Delivery: lively pace and raised voice carry a clip with the sound on.
    "speech_rate": 0.15,
    "energy": 0.15,
    # Feeds favour 25-45 s; the hard limits already keep candidates in range, so this only nudges.
    "length_fit": 0.15,
    # Concrete figures help, but number words are noisy ("one of", "a second"): the lightest.
    "numbers": 0.10,
}

TITLE_CHARS = 60
TITLE_SENTENCES = 3  # the title comes from the clip's opening, where the viewer's attention is
STRONG = 0.6  # a signal this high is worth naming in the reason
# What sets a moment apart comes first; pace, a clean ending and length are shared by most
# candidates, so they are named after it and dropped first when the line gets long.
REASON_ORDER = ("hook", "numbers", "energy", "speech_rate", "completeness", "length_fit")
REASON_PARTS = 4
_TITLE_OPENERS = "\"'“‘«([{ "
_FILLERS = frozenset({"so", "and", "but", "um", "uh", "well", "okay", "ok", "like"})


@dataclass(frozen=True)
class Window:
    """A run of consecutive sentences that could become one clip.

    Attributes:
        sentences: the run, in time order; never empty.
    """

    sentences: tuple[Sentence, ...]

    @property
    def start(self) -> float:
        return self.sentences[0].start

    @property
    def end(self) -> float:
        return self.sentences[-1].end

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.sentences for w in s.words)


@dataclass(frozen=True)
class ScoredMoment:
    """A window judged as a clip.

    Attributes:
        start: seconds in the video where the clip starts (a sentence start).
        end: seconds in the video where it ends (a sentence end).
        score: 0–100, rounded to 0.1.
        signals: each signal's value in [0, 1], rounded to 3 places, keyed as in ``WEIGHTS``.
        reason: one line saying what the strongest signals were.
        title: at most 60 characters, from the most hook-like sentence near the start.
        words: the clip's words (for captions).
    """

    start: float
    end: float
    score: float
    signals: dict[str, float] = field(hash=False)
    reason: str
    title: str
    words: tuple[Word, ...]

    @property
    def duration(self) -> float:
        return self.end - self.start


def candidate_windows(
    sentences: Sequence[Sentence], min_seconds: float = 20.0, max_seconds: float = 60.0
) -> Iterator[Window]:
    """Every run of consecutive sentences spanning between ``min_seconds`` and ``max_seconds``,
    ordered by start then end."""
    for i, first in enumerate(sentences):
        for j in range(i, len(sentences)):
            span = sentences[j].end - first.start
            if span > max_seconds:
                break
            if span >= min_seconds:
                yield Window(tuple(sentences[i : j + 1]))


def score_window(
    window: Window,
    envelope: EnergyEnvelope | None = None,
    preferred: tuple[float, float] = (25.0, 45.0),
    limits: tuple[float, float] = (20.0, 60.0),
) -> ScoredMoment:
    """Score a window on every signal and combine them with ``WEIGHTS``."""
    words = window.words
    values = {
        "hook": signals.hook(window.sentences[0]),
        "numbers": signals.numbers(words),
        "speech_rate": signals.speech_rate(words, window.duration),
        "energy": signals.energy(window.start, window.end, envelope),
        "completeness": signals.completeness(window.sentences),
        "length_fit": signals.length_fit(window.duration, preferred, limits),
    }
    total = sum(WEIGHTS[name] * value for name, value in values.items())
    return ScoredMoment(
        start=window.start,
        end=window.end,
        score=round(100.0 * total, 1),
        signals={name: round(value, 3) for name, value in values.items()},
        reason=_reason(window, values),
        title=title(window.sentences),
        words=words,
    )


def moment_id(video_id: str, start: float, end: float) -> str:
    """A stable 16-hex-character id: the same clip of the same video always gets the same id, so
    a replayed pipeline updates a moment instead of duplicating it."""
    key = f"{video_id}:{round(start * 1000)}:{round(end * 1000)}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def title(sentences: Sequence[Sentence]) -> str:
    """A headline from the most hook-like of the first sentences (the earliest on ties)."""
    opening = sentences[:TITLE_SENTENCES]
    best = max(enumerate(opening), key=lambda pair: (signals.hook(pair[1]), -pair[0]))[1]
    words = [w.word.strip() for w in best.words]
    while len(words) > 1 and bare(words[0]) in _FILLERS:
        words.pop(0)
    text = join_words(words).lstrip(_TITLE_OPENERS)
    if len(text) > TITLE_CHARS:
        # Whole words only; a single word longer than the limit is the one case cut mid-word.
        head = text[: TITLE_CHARS + 1]
        text = head.rsplit(" ", 1)[0] if " " in head[1:] else text[:TITLE_CHARS]
    # A question mark is the hook itself; any other end punctuation reads as a cut-off sentence.
    while text and not (text[-1].isalnum() or text[-1] in "?%"):
        text = text[:-1]
    return text[:1].upper() + text[1:]


def _reason(window: Window, values: dict[str, float]) -> str:
    """Name the strong signals (or else the biggest contributor), plus a warning if it opens
    mid-thought."""
    strong = [name for name in REASON_ORDER if values[name] >= STRONG]
    if not strong:
        strong = [max(REASON_ORDER, key=lambda name: WEIGHTS[name] * values[name])]
    parts = [_describe(name, window, values[name]) for name in strong[:REASON_PARTS]]
    dangling = signals.opens_mid_thought(window.sentences)
    if dangling:
        parts.append(f'opens mid-thought ("{dangling}")')
    line = "; ".join(parts)
    return line[:1].upper() + line[1:]


def _describe(name: str, window: Window, value: float) -> str:
    first, words = window.sentences[0], window.words
    if name == "hook":
        if first.ending == "?":
            return "opens with a question"
        phrase = signals.hook_phrase(first)
        if phrase:
            return f'opens with a hook ("{phrase}")'
        return "opens with a number" if value > 0 else "flat opening"
    if name == "numbers":
        n = signals.count_numbers(words)
        return f"{n} number{'s' if n != 1 else ''}"
    if name == "speech_rate":
        rate = signals.words_per_second(words, window.duration)
        low, high = signals.RATE_BAND
        pace = "lively" if low <= rate <= high else ("slow" if rate < low else "fast")
        return f"{pace} pace ({rate:.1f} words/s)"
    if name == "energy":
        return "louder than usual" if value > signals.NEUTRAL else "usual loudness"
    if name == "completeness":
        endings = {"?": "a question", "!": "an exclamation", ".": "a full stop"}
        ending = endings.get(window.sentences[-1].ending, "")
        return f"ends on {ending}" if ending else "ends mid-sentence"
    return f"{window.duration:.0f} s long" + (" (a good length)" if value >= 1.0 else "")
