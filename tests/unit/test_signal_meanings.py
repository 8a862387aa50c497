"""The API says what each signal of a clip's breakdown measures (``Signals`` in the OpenAPI
document), for every signal the ranking computes and every score the clip judge adds."""

from __future__ import annotations

from api.openapi.video_schemas import video_schemas
from streams.judge.verdict import SCORE_MEANINGS, SCORES, SYSTEM
from streams.moments import evidence, signals
from streams.moments.scoring import WEIGHTS
from streams.moments.signal_meanings import JUDGED, MEANINGS


def test_every_ranked_signal_has_a_meaning():
    assert set(MEANINGS) == set(WEIGHTS)
    assert all(len(text) > 40 and text.endswith(".") for text in MEANINGS.values())


def test_every_judge_score_has_a_meaning_under_its_signal_name_the_one_the_judge_is_asked():
    assert set(JUDGED) == {f"judge_{name}" for name in SCORES}
    for name in SCORES:
        asked = f"{name} ({SCORE_MEANINGS[name]})"
        assert asked in SYSTEM and JUDGED[f"judge_{name}"].endswith(f"score: {SCORE_MEANINGS[name]}."), name


def test_the_numbers_said_are_the_ones_computed_with():
    low, high = signals.RATE_BAND
    assert f"{low:g} to {high:g} words a second" in MEANINGS["speech_rate"]
    assert f"from {evidence.LIVELY_SEMITONES:g} semitones" in MEANINGS["pitch"]
    assert "25-45 s for the default 20-60 s" in MEANINGS["length_fit"]
    assert f"one number in {1 / signals.NUMBER_DENSITY_FULL:g} words" in MEANINGS["numbers"]


def test_moments_and_clips_document_their_signals():
    schemas = video_schemas()
    described = schemas["Signals"]["properties"]
    assert set(described) == set(WEIGHTS) | {f"judge_{name}" for name in SCORES}
    assert described["exchange"]["description"] == MEANINGS["exchange"]
    assert all(p["minimum"] == 0 and p["maximum"] == 100 for p in described.values())
    for name in ("Moment", "Clip"):
        assert schemas[name]["properties"]["signals"] == {"$ref": "#/components/schemas/Signals"}
