"""The phrases of a clip's reason in English: the reference every other language follows (pure
data, ``streams.moments.wording``)."""

from __future__ import annotations

from streams.moments.editorial import PICK_KINDS
from streams.moments.rhetoric import NAMES as DEVICE_NAMES

# The kinds of moment and the devices are named in English as the ranking names them.
NAMES = (*(kind.name for kind in PICK_KINDS), *DEVICE_NAMES)

ENGLISH: dict[str, str] = {
    **{f"kind:{name}": name for name in NAMES},
    "separator": "; ",
    "quotable": 'a quotable line: {device} ("{phrase}")',
    "reads_like": "reads like {kind}",
    "like_the_rest": "much like the rest of the talk",
    "whole_video": "the whole video in one clip",
    "breaks_strong": "starts and ends at a pause",
    "breaks_weak": "cut between sentences spoken close together",
    "opens_question": "opens with a question",
    "opens_hook": 'opens with a hook ("{phrase}")',
    "opens_claim": 'opens with a bold claim ("{phrase}")',
    "speaks_to_viewer": "speaks to the viewer from the start",
    "opens_number": "opens with a number",
    "opens_exclamation": "opens with an exclamation",
    "flat_opening": "flat opening",
    "lands_point": 'lands the point ("{phrase}")',
    "ends_strong": "ends on a strong note",
    "no_payoff": "no clear payoff",
    "one_topic": "one topic from setup to payoff",
    "question_answered": "a question and its whole answer",
    "exchange": "an exchange between {n} voices",
    "one_voice": "one voice throughout",
    "cuts_into_turn": "cuts into someone's turn",
    "asks_unanswered": "stops before the answer to its question",
    "spans_change": "spans a change of topic",
    "several_topics": "spans several topics",
    "numbers_one": "1 concrete figure",
    "numbers_many": "{n} concrete figures",
    "pace_lively": "lively pace ({rate} words/s)",
    "pace_slow": "slow pace ({rate} words/s)",
    "pace_fast": "fast pace ({rate} words/s)",
    "louder": "louder than usual",
    "usual_loudness": "usual loudness",
    "expressive_voice": "expressive voice",
    "flat_voice": "flat voice",
    "flows": "flows without pauses or fillers",
    "pauses_fillers": "long pauses or fillers",
    "one_face": "one face on screen",
    "faces": "faces on screen",
    "no_face": "no face on screen",
    "often_no_face": "often no face on screen",
    "shot_flashes": "a shot flashes by at the start or end",
    "fresh_shot": "opens on a fresh shot",
    "steady_shots": "steady shots",
    "ends_question": "ends on a question",
    "ends_exclamation": "ends on an exclamation",
    "ends_full_stop": "ends on a full stop",
    "ends_mid_sentence": "ends mid-sentence",
    "length": "{seconds} s long",
    "length_good": "{seconds} s long (a good length)",
    "opens_mid_thought": 'opens mid-thought ("{phrase}")',
}
