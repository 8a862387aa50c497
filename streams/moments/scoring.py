"""Scoring: candidate windows of whole sentences, each scored 0–100 with a reason and a title.

Clip lengths come from ``LENGTH_PRESETS`` or a user range (``length_range``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator, Sequence

from streams.asr.languages import UNSPACED
from streams.domain.moment import Moment
from streams.domain.words import Word
from streams.moments import evidence as evidence_signals
from streams.moments import signals
from streams.moments.conversation import ANSWERED
from streams.moments.editorial import LANGUAGE as EDITORIAL_LANGUAGE
from streams.moments.evidence import NEUTRAL, Evidence
from streams.moments.lengths import DEFAULT_LENGTH, LengthRange
from streams.moments.sentences import Sentence
from streams.moments.titles import title
from streams.moments.wording import name_of, phrases_for, say

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


STRONG = 0.6  # a signal this high is worth naming in the reason
REASON_PARTS = 3
PICTURE_WARNING = 0.4  # faces or scene cuts this low are named in the reason as a warning


@dataclass(frozen=True)
class Window:
    """A run of consecutive sentences (in time order; never empty) that could become one clip."""

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

    @cached_property
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


def candidate_windows(
    sentences: Sequence[Sentence],
    min_seconds: float = DEFAULT_LENGTH.min_seconds,
    max_seconds: float = DEFAULT_LENGTH.max_seconds,
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
    return ScoredMoment(
        start=window.start,
        end=window.end,
        score=weighted_score(values),
        signals={name: round(value, 3) for name, value in values.items()},
        reason=_reason(window, values, evidence or Evidence()),
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


# Signals whose strength is the norm for a pick (a clip set off by pauses, ending on a full stop,
# inside one topic, of a good length, at a lively pace, with the speaker on screen): saying so of every clip says
# nothing, so the reason names them only when they fall short (as warnings).
NORMS = frozenset(
    {"breaks", "completeness", "coherence", "length_fit", "fluency", "speech_rate", "faces", "scene_cuts"}
)
WARNING = 0.4  # a norm this low is named as a warning
SEVERAL_TOPICS = 3  # topic changes inside a clip that make it "span several topics"


def _reason(window: Window, values: dict[str, float], evidence: Evidence) -> str:
    """What makes the clip worth watching: what editors clip that it is (with the rhetoric that
    makes it quotable), then the strongest of its other signals by what they added to the score
    (at most ``REASON_PARTS`` parts in all), then warnings a person deciding on the clip should
    know about. Strengths every pick has (``NORMS``) are not named. Said in the window's language
    (``wording``; English where it has no phrases of its own)."""
    language = language_of_window(window, evidence)
    unmeasured = _unmeasured(window, evidence)
    known = [name for name in WEIGHTS if name not in unmeasured]
    if "numbers" in known and not signals.figures(window.sentences, evidence.lexicon_of):
        known.remove("numbers")  # loose number words alone: "0 concrete figures" says nothing
    values = {**values, "pitch": evidence.voices_pitch(window.sentences)}  # not the gap between two voices
    order = list(WEIGHTS)  # on equal contributions, the more important signal first
    parts = []
    lead = _what_it_is(window, values, evidence, language) if "editorial" in known else ""
    if lead:
        parts.append(lead)
    strong = sorted(
        (n for n in known if n not in NORMS and n != "editorial" and values[n] >= STRONG),
        key=lambda n: (-WEIGHTS[n] * values[n], order.index(n)),
    )
    parts += [_describe(name, window, values[name], evidence, language) for name in strong[: REASON_PARTS - len(parts)]]
    if not parts:
        best = max(known, key=lambda n: (WEIGHTS[n] * values[n], n == "hook"))
        parts.append(_describe(best, window, values[best], evidence, language))
    dangling = signals.opens_mid_thought(window.sentences, evidence.lexicon_of(window.sentences[0]))
    if dangling:
        parts.append(say(language, "opens_mid_thought", phrase=dangling))
    # Topics are a few sentences long, so a clip of a whole passage often crosses a change or two:
    # only one that runs across several is worth a warning.
    if evidence.topics is not None and evidence.topics.boundaries_inside(window.sentences) >= SEVERAL_TOPICS:
        parts.append(say(language, "several_topics"))
    for name in ("breaks", "completeness", "exchange", "fluency", "speech_rate", "faces", "scene_cuts"):
        if name in known and values[name] < WARNING:
            if name == "completeness" and window.sentences[-1].ending in ENDINGS:
                continue  # it ends on a whole sentence: nothing to warn of
            if name == "breaks" and evidence.pauses is not None:
                cuts = evidence.pauses.cuts(window.sentences)  # the video's own edges cut nothing
                if cuts is None or cuts >= WARNING:
                    continue
            warning = _describe(name, window, values[name], evidence, language)
            if warning not in parts:
                parts.append(warning)
    line = phrases_for(language)["separator"].join(parts)
    return line[:1].upper() + line[1:]


def language_of_window(window: Window, evidence: Evidence) -> str | None:
    """The language most of the window is spoken in, by time (None: not known)."""
    spoken: dict[str | None, float] = {}
    for s in window.sentences:
        language = evidence.language_of(s)
        spoken[language] = spoken.get(language, 0.0) + max(s.end - s.start, 1e-3)
    return max(spoken, key=lambda language: spoken[language])


def _what_it_is(window: Window, values: dict[str, float], evidence: Evidence, language: str | None) -> str:
    """The kind of moment editors clip that the window is, when it stands out in the talk, with
    the rhetoric that makes it quotable ('a quotable line: parallel lines ("...")'); "" else."""
    editorial = evidence.editorial
    assert editorial is not None  # "editorial" is known
    device = editorial.device(window.sentences)
    if device is not None and device.strength >= WARNING:
        return say(language, "quotable", device=name_of(language, device.kind), phrase=device.phrase)
    if values["editorial"] >= STRONG:
        return say(language, "reads_like", kind=name_of(language, editorial.strongest_pick(window.sentences)))
    return ""


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


# A sentence's closing mark, by the phrase that names it in a reason.
ENDINGS = {"?": "ends_question", "!": "ends_exclamation", ".": "ends_full_stop"}


def _describe(name: str, window: Window, value: float, evidence: Evidence, language: str | None = None) -> str:
    first, last, words = window.sentences[0], window.sentences[-1], window.words
    opening, closing = evidence.lexicon_of(first), evidence.lexicon_of(last)

    def said(key: str, **blanks: object) -> str:
        return say(language, key, **blanks)

    if name == "editorial":  # named only when known (``_missing``), so the map is there
        assert evidence.editorial is not None
        alike = "whole_video" if evidence.editorial.holds_all(window.sentences) else "like_the_rest"
        return _what_it_is(window, {name: value}, evidence, language) or said(alike)
    if name == "breaks":
        return said("breaks_strong" if value >= STRONG else "breaks_weak")
    if name == "hook":
        if first.ending == "?":
            return said("opens_question")
        phrase = signals.hook_phrase(first, opening)
        if phrase:
            return said("opens_hook", phrase=phrase)
        claim = signals.bold_claim(first, opening)
        if claim:
            return said("opens_claim", phrase=claim)
        if signals.direct_address(first, opening):
            return said("speaks_to_viewer")
        if signals.opens_with_figure(first, opening):
            return said("opens_number")
        return said("opens_exclamation" if first.ending == "!" else "flat_opening")
    if name == "payoff":
        phrase = signals.payoff_phrase(last, closing)
        if phrase:
            return said("lands_point", phrase=phrase)
        return said("ends_strong" if value >= STRONG else "no_payoff")
    if name == "coherence":
        return said("one_topic" if value >= STRONG else "spans_change")
    if name == "exchange":
        if value < WARNING:
            return said("cuts_into_turn")
        assert evidence.conversation is not None  # "exchange" is known
        voices = evidence.conversation.speakers_in(window.sentences)
        if value >= ANSWERED:
            return said("question_answered")
        return said("exchange", n=voices) if voices > 1 else said("one_voice")
    if name == "numbers":
        n = signals.figures(window.sentences, evidence.lexicon_of)
        return said("numbers_one") if n == 1 else said("numbers_many", n=n)
    if name == "speech_rate":
        rate = signals.words_per_second(words, window.duration)
        low, high = signals.RATE_BAND
        pace = "lively" if low <= rate <= high else ("slow" if rate < low else "fast")
        return said(f"pace_{pace}", rate=f"{rate:.1f}")
    if name == "energy":
        return said("louder" if value > evidence_signals.NEUTRAL else "usual_loudness")
    if name == "pitch":
        return said("expressive_voice" if value >= STRONG else "flat_voice")
    if name == "fluency":
        return said("flows" if value >= STRONG else "pauses_fillers")
    if name == "faces":
        if value >= 0.9:
            return said("one_face")
        if value >= PICTURE_WARNING:
            return said("faces")
        return said("no_face" if value == 0 else "often_no_face")
    if name == "scene_cuts":
        if value < PICTURE_WARNING:
            return said("shot_flashes")
        return said("fresh_shot" if value >= 0.8 else "steady_shots")
    if name == "completeness":
        return said(ENDINGS.get(last.ending, "ends_mid_sentence"))
    return said("length_good" if value >= 1.0 else "length", seconds=f"{window.duration:.0f}")
