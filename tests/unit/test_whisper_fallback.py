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


def test_fallback_parameters_are_read_and_checked_at_load():
    assert WhisperOptions.from_parameters({"fallback_temperatures": "0,0.5,1"}).fallback_temperatures == "0,0.5,1"
    with pytest.raises(ValueError):
        WhisperOptions.from_parameters({"fallback_temperatures": "0.5"})
