"""Scoring: candidate windows of whole sentences, each scored 0–100 with a reason and a title.

Clip lengths come from ``LENGTH_PRESETS`` or a user range (``length_range``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from streams.asr.languages import UNSPACED
from streams.domain.moment import Moment
from streams.domain.words import Word
from streams.moments import evidence as evidence_signals
from streams.moments import signals
from streams.moments.editorial import LANGUAGE as EDITORIAL_LANGUAGE
from streams.moments.evidence import NEUTRAL, Evidence
from streams.moments.lengths import DEFAULT_LENGTH, LengthRange
from streams.moments.reasons import reason
from streams.moments.titles import title
from streams.moments.windows import Window

# How much each signal counts, relative to the others; scaled below to sum to 1 so the score is a
# weighted mean (x100). A signal whose input is missing sits at 0.5 for every candidate, so it
# shifts scores but not rankings.
_RELATIVE: dict[str, float] = {
    # What the passage is: a story, a surprise, a lesson, or housekeeping. On the labelled talks
    # (bench/moments_quality.py) this is what separates editors' picks from filler, so it leads.
    "editorial": 0.36,
    # The first seconds decide whether a viewer stays.
    "hook": 0.09,
    # A clip should hold one whole thought: set off by pauses, its end paying off what it opened
    # with, inside one topic.
    "breaks": 0.18,
    "payoff": 0.055,
    "coherence": 0.055,
    # Where several voices speak: a question with its whole answer, a back-and-forth; a clip that
    # cuts into someone's turn loses. Neutral (so no change to any ranking) with one voice.
    "exchange": 0.04,
    # A clip that opens on "and it..." or trails off is confusing however good its middle.
    "completeness": 0.045,
    # Delivery: lively pace, raised and moving voice, no dead air carry a clip with the sound on.
    "speech_rate": 0.035,
    "energy": 0.035,
    "fluency": 0.035,
    "pitch": 0.03,
    # Feeds favour the shorter part of the range; the hard limits already keep candidates in it.
    "length_fit": 0.03,
    # Concrete figures help, but number words are noisy ("one of", "a second").
    "numbers": 0.025,
    # The picture: one face reframes well, a cut right after the start looks like an error.
    "faces": 0.015,
    "scene_cuts": 0.01,
}
WEIGHTS: dict[str, float] = {name: weight / sum(_RELATIVE.values()) for name, weight in _RELATIVE.items()}


@dataclass(frozen=True)
class ScoredMoment:
    """A window judged as a clip.

    Attributes:
        start: seconds in the video where the clip starts (a sentence start).
        end: seconds in the video where it ends (a sentence end).
        score: 0–100, rounded to 0.1.
        signals: each signal's value in [0, 1], rounded to 3 places, keyed as in ``WEIGHTS``.
        reason: one line naming the strongest signals, then any warning.
        title: at most 60 characters, from the clip's strongest sentence.
        words: the clip's words (for captions).
        speakers: the labels of the voices heard in it, first heard first; empty where fewer than
            two voices are known in the talk (as exports name speakers only then).
    """

    start: float
    end: float
    score: float
    signals: dict[str, float] = field(hash=False)
    reason: str
    title: str
    words: tuple[Word, ...]
    speakers: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return self.end - self.start


def signal_values(
    window: Window,
    evidence: Evidence | None = None,
    length: LengthRange = DEFAULT_LENGTH,
    index: signals.TalkIndex | None = None,
) -> dict[str, float]:
    """Every signal of ``WEIGHTS`` for the window, each in [0, 1]. ``index`` (over the sentences
    the window was cut from) only makes it faster."""
    ev = evidence or Evidence()
    start, end, first, last = window.start, window.end, window.sentences[0], window.sentences[-1]
    counts = index.talk(window.sentences) if index is not None else signals.talk(window.sentences, ev.lexicon_of)
    ends_topic = ev.topics.ends_topic(last) if ev.topics and ev.topics.starts else None
    unmeasured = _unmeasured(window, ev)
    story = ev.editorial if "editorial" not in unmeasured else None
    if story is not None and not story.covers(window.sentences):
        story = None
    return {
        "editorial": story.value(window.sentences) if story is not None else NEUTRAL,
        "breaks": ev.pauses.breaks(window.sentences) if ev.pauses is not None else NEUTRAL,
        "hook": signals.hook(first, ev.lexicon_of(first)),
        "payoff": signals.payoff(last, ends_topic, ev.lexicon_of(last)),
        "coherence": signals.coherence(window.sentences, ev.topics),
        "exchange": ev.conversation.exchange(window.sentences) if ev.conversation is not None else NEUTRAL,
        "completeness": signals.completeness(window.sentences, ev.lexicon_of(first)),
        "speech_rate": NEUTRAL if "speech_rate" in unmeasured else signals.speech_rate(counts, window.duration),
        "energy": evidence_signals.energy(start, end, ev.envelope),
        "fluency": signals.fluency(counts, window.duration),
        "pitch": evidence_signals.pitch_variation(start, end, ev.pitch),
        "length_fit": signals.length_fit(window.duration, length.preferred, length.limits),
        "numbers": signals.numbers(counts),
        "faces": evidence_signals.faces(start, end, ev.faces),
        "scene_cuts": evidence_signals.scene_cuts(start, end, ev.cuts),
    }


def weighted_score(values: dict[str, float]) -> float:
    """The 0-100 score (rounded to 0.1) of signal values: their weighted mean x100."""
    return round(100.0 * sum(WEIGHTS[name] * value for name, value in values.items()), 1)


def score_window(
    window: Window, evidence: Evidence | None = None, length: LengthRange = DEFAULT_LENGTH
) -> ScoredMoment:
    """Score a window on every signal, combine them with ``WEIGHTS``, and describe it."""
    values = signal_values(window, evidence, length)
    ev = evidence or Evidence()
    return ScoredMoment(
        start=window.start,
        end=window.end,
        score=weighted_score(values),
        signals={name: round(value, 3) for name, value in values.items()},
        reason=reason(window, values, ev, WEIGHTS, _unmeasured(window, ev)),
        title=title(window.sentences, evidence),
        words=window.words,
        speakers=speakers_of(window, evidence),
    )


def speakers_of(window: Window, evidence: Evidence | None) -> tuple[str, ...]:
    """The voices heard in the window, first heard first, where the talk has more than one."""
    conversation = evidence.conversation if evidence is not None else None
    if conversation is None or not conversation.active:
        return ()
    return tuple(dict.fromkeys(s.speaker for s in window.sentences if s.speaker is not None))


def moment_id(video_id: str, start: float, end: float) -> str:
    """A stable 16-hex-character id: the same clip of the same video always gets the same id, so
    a replayed pipeline updates a moment instead of duplicating it."""
    key = f"{video_id}:{round(start * 1000)}:{round(end * 1000)}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def as_moment(video_id: str, scored: ScoredMoment, reason: str | None = None) -> Moment:
    """``scored`` as the video's moment: its id, its span to the millisecond, each signal as its
    share of 100 (one decimal), and ``reason`` when given instead of its own."""
    return Moment(
        moment_id=moment_id(video_id, scored.start, scored.end),
        start=round(scored.start, 3),
        end=round(scored.end, 3),
        score=scored.score,
        signals={k: round(v * 100, 1) for k, v in scored.signals.items()},
        reason=scored.reason if reason is None else reason,
        title=scored.title,
        speakers=scored.speakers,
    )


def _unmeasured(window: Window, evidence: Evidence) -> set[str]:
    """The signals that say nothing about ``window``: those whose input is missing, what editors
    clip where the window is in a language the editorial map did not read (no multilingual reader), and the pace where it
    is in a script written without spaces (its "words" are not words)."""
    inputs = {
        "energy": evidence.envelope,
        "pitch": evidence.pitch,
        "faces": evidence.faces,
        "scene_cuts": evidence.cuts,
        "coherence": evidence.topics,
        "editorial": evidence.editorial,
        "breaks": evidence.pauses,
        "exchange": evidence.conversation
        if evidence.conversation is not None and evidence.conversation.active
        else None,
    }
    missing = {name for name, found in inputs.items() if found is None}
    if evidence.languages is not None:
        spoken = {evidence.language_of(s) for s in window.sentences}
        multilingual = evidence.editorial is not None and evidence.editorial.multilingual
        if spoken - {None, EDITORIAL_LANGUAGE} and not multilingual:
            missing.add("editorial")
        if spoken & UNSPACED:
            missing.add("speech_rate")
    return missing
