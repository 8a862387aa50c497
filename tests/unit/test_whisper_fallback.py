"""The sequential decode's fallback settings (streams.asr.fallback) and how the options read them."""

import pytest

from streams.asr import fallback
from streams.asr.whisper import WhisperOptions


def test_a_ladder_starts_at_zero_and_rises_to_at_most_one():
    assert fallback.parse_temperatures("0,0.4,0.8") == (0.0, 0.4, 0.8)
    assert fallback.parse_temperatures("0.0") == (0.0,)
    for bad in ("", "0.2,0.4", "0,0.4,0.4", "0,0.8,0.4", "0,1.2", "zero"):
        with pytest.raises(ValueError):
            fallback.parse_temperatures(bad)


def test_the_default_ladder_is_faster_whispers_own():
    assert fallback.parse_temperatures(WhisperOptions().fallback_temperatures) == fallback.LADDER
    assert WhisperOptions().max_tokens_per_second == 0.0


def test_a_token_cap_grows_with_the_audio_and_leaves_room_for_a_prompt():
    assert fallback.token_cap(10.0, 0.0) is None  # off
    short = fallback.token_cap(5.0, 12.0)
    assert short == 5 * 12 + fallback.SLACK_TOKENS
    assert fallback.token_cap(10.0, 12.0) > short
    # a cap that would leave a longest prompt no room is no cap: the model's own limit holds
    assert fallback.token_cap(25.0, 12.0) is None
    assert fallback.token_cap(300.0, 12.0) is None
    every = [fallback.token_cap(s / 10, 12.0) for s in range(1, 400)]
    assert all(c is None or c + fallback.MAX_PROMPT_TOKENS <= fallback.MODEL_MAX_TOKENS for c in every)


def test_fallback_parameters_are_read_and_checked_at_load():
    o = WhisperOptions.from_parameters({"fallback_temperatures": "0,0.5,1", "max_tokens_per_second": "12"})
    assert (o.fallback_temperatures, o.max_tokens_per_second) == ("0,0.5,1", 12.0)
    for params in ({"fallback_temperatures": "0.5"}, {"max_tokens_per_second": "-1"}):
        with pytest.raises(ValueError):
            WhisperOptions.from_parameters(params)
