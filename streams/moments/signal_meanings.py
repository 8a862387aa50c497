"""What each signal of a moment's breakdown (``signals``, 0-100 in the API) measures, said for a
developer who reads it from the API. The OpenAPI document describes ``Signals`` from here. Where
the code names a constant (the pace band, the semitones, the face values, the preferred length),
the number is read from it, so those words cannot drift; the rest (coherence's and scene cuts'
steps, length_fit's floor) are literals in ``signals``/``evidence`` and written out here. Pure data."""

from __future__ import annotations

from streams.judge.verdict import SCORE_MEANINGS, SCORES
from streams.moments import conversation, evidence, signals
from streams.moments.lengths import DEFAULT_LENGTH


def _pct(share: float) -> str:
    return f"{share * 100:g}"


_LOW, _HIGH = signals.RATE_BAND
_PREFERRED = DEFAULT_LENGTH.preferred

MEANINGS: dict[str, str] = {
    "editorial": "What the passage is, read from its words: high where it reads like what editors clip (a story "
    "with a turn, a surprising fact, a quotable line, a practical tip), low for what they skip (greetings, "
    "housekeeping, agendas, plugs). Read in the talk's own language.",
    "hook": "How strongly the first sentence holds a scrolling viewer: a question, a promise, a bold claim, a "
    "figure or words aimed at the viewer up front each add; 0 for a flat opener.",
    "breaks": "How clearly the clip is set off by pauses at both ends (its edges fall where the speaker "
    "pauses, not mid-flow).",
    "payoff": "How conclusively it ends: a stated lesson or result, an exclamation, a figure, the end of its "
    "topic each add; 0 for a clip that stops on a setup.",
    "coherence": "Whether it holds one topic: 70 inside one, up to 100 when it starts and ends with it, 30 "
    "across one change of topic, 0 across more.",
    "exchange": f"Where several voices speak: {_pct(conversation.ANSWERED)} for a question with the whole of "
    f"another voice's answer, {_pct(conversation.EXCHANGE)} for a back-and-forth, {_pct(conversation.NEUTRAL)} "
    f"for one voice; {_pct(conversation.PARTIAL_TURN)} less for each edge that cuts into someone's turn.",
    "completeness": "Whether it stands alone: it does not open on a word that points back to earlier talk "
    '("And", "This") and it ends on a finished sentence.',
    "speech_rate": f"Pace: 100 from {_LOW:g} to {_HIGH:g} words a second (lively, yet easy to read as "
    f"captions), less for slower or faster talk, 0 at {signals.RATE_FLOOR:g} or {signals.RATE_CEILING:g}.",
    "energy": f"Loudness against the video's median: {_pct(evidence.NEUTRAL)} at the median, 100 at twice its "
    "level (+6 dB) or louder, 0 at half (-6 dB) or quieter.",
    "fluency": "100 for talk that flows; long pauses (dead air) and fillers bring it down to 0.",
    "pitch": f"How much the voice's pitch moves: 0 for a monotone ({evidence.FLAT_SEMITONES:g} semitone of "
    f"spread), 100 from {evidence.LIVELY_SEMITONES:g} semitones. Over a clip of several voices the spread is "
    "measured across them, so the gap between two voices counts as movement (the reason reads each voice "
    "apart).",
    "length_fit": f"How the length suits short-form feeds: 100 in the range's preferred part ({_PREFERRED[0]:g}-"
    f"{_PREFERRED[1]:g} s for the default {DEFAULT_LENGTH.min_seconds:g}-{DEFAULT_LENGTH.max_seconds:g} s), "
    "falling to 30 at its limits.",
    "numbers": f"Density of figures: 100 from one number in {1 / signals.NUMBER_DENSITY_FULL:g} words.",
    "faces": f"How well the picture suits a vertical crop: the mean over its frames of "
    f"{_pct(evidence.FACE_VALUES[1])} for one face, {_pct(evidence.FACE_VALUES[2])} for two, "
    f"{_pct(evidence.MANY_FACES_VALUE)} for more and {_pct(evidence.FACE_VALUES[0])} for none.",
    "scene_cuts": "How the clip sits among the shots: 10 where a cut flashes a shot for an instant at either "
    "edge, else 60, plus up to 40 for opening on a fresh shot and a lively pace of cuts inside.",
}
UNMEASURED = (
    f"A signal whose input is missing (no picture, no pitch, one voice, no topics) is "
    f"{_pct(evidence.NEUTRAL)} for every clip of the video, so it moves no clip above another."
)
JUDGED: dict[str, str] = {
    f"judge_{name}": f"With the clip judge on, the clip judge's score: {SCORE_MEANINGS[name]}." for name in SCORES
}
