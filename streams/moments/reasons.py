"""Reasons: the one line that says why a window would make a clip, in the window's language: what
editors clip that it is, its strongest other signals by what they added to its score, then what
a person deciding on it should be warned of (``scoring.score_window`` asks for it)."""

from __future__ import annotations

from streams.moments import evidence as evidence_signals
from streams.moments import signals
from streams.moments.conversation import ANSWERED
from streams.moments.evidence import Evidence
from streams.moments.windows import Window
from streams.moments.wording import name_of, phrases_for, say

STRONG = 0.6  # a signal this high is worth naming in the reason
REASON_PARTS = 3
PICTURE_WARNING = 0.4  # faces or scene cuts this low are named in the reason as a warning

# Signals whose strength is the norm for a pick (a clip set off by pauses, ending on a full stop,
# inside one topic, of a good length, at a lively pace, with the speaker on screen): saying so of every clip says
# nothing, so the reason names them only when they fall short (as warnings).
NORMS = frozenset(
    {"breaks", "completeness", "coherence", "length_fit", "fluency", "speech_rate", "faces", "scene_cuts"}
)
WARNING = 0.4  # a norm this low is named as a warning
SEVERAL_TOPICS = 3  # topic changes inside a clip that make it "span several topics"


def reason(
    window: Window, values: dict[str, float], evidence: Evidence, weights: dict[str, float], unmeasured: set[str]
) -> str:
    """What makes the clip worth watching: what editors clip that it is (with the rhetoric that
    makes it quotable), then the strongest of its other signals by what they added to the score
    (at most ``REASON_PARTS`` parts in all), then warnings a person deciding on the clip should
    know about. Strengths every pick has (``NORMS``) are not named; ``unmeasured`` signals (their
    input missing) neither. ``weights`` rank the others by what they added to the score. Said in
    the window's language (``wording``; English where it has no phrases of its own)."""
    language = language_of_window(window, evidence)
    known = [name for name in weights if name not in unmeasured]
    if "numbers" in known and not signals.figures(window.sentences, evidence.lexicon_of):
        known.remove("numbers")  # loose number words alone: "0 concrete figures" says nothing
    values = {**values, "pitch": evidence.voices_pitch(window.sentences)}  # not the gap between two voices
    order = list(weights)  # on equal contributions, the more important signal first
    parts = []
    lead = _what_it_is(window, values, evidence, language) if "editorial" in known else ""
    if lead:
        parts.append(lead)
    strong = sorted(
        (n for n in known if n not in NORMS and n != "editorial" and values[n] >= STRONG),
        key=lambda n: (-weights[n] * values[n], order.index(n)),
    )
    parts += [_describe(name, window, values[name], evidence, language) for name in strong[: REASON_PARTS - len(parts)]]
    if not parts:
        best = max(known, key=lambda n: (weights[n] * values[n], n == "hook"))
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


# A sentence's closing mark, by the phrase that names it in a reason.
ENDINGS = {"?": "ends_question", "!": "ends_exclamation", ".": "ends_full_stop"}


def _describe(name: str, window: Window, value: float, evidence: Evidence, language: str | None = None) -> str:
    first, last, words = window.sentences[0], window.sentences[-1], window.words
    opening, closing = evidence.lexicon_of(first), evidence.lexicon_of(last)

    def said(key: str, **blanks: object) -> str:
        return say(language, key, **blanks)

    if name == "editorial":  # named only when measured (not ``unmeasured``), so the map is there
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
        assert evidence.conversation is not None  # "exchange" is known
        if value < WARNING:
            return said(
                "asks_unanswered" if evidence.conversation.asks_unanswered(window.sentences) else "cuts_into_turn"
            )
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
