"""Every served model reads its config.pbtxt parameters the same way: typed by its options
dataclass, blanks left at the default, a value of the wrong type refused with its name."""

import pytest

from streams.asr.whisper import WhisperOptions
from streams.judge.engine import EngineOptions
from streams.serving.parameters import config_parameters, options_from


def test_parameters_are_read_from_a_triton_config_and_stripped():
    config = {"parameters": {"device": {"string_value": " cuda "}, "model_dir": {"string_value": ""}}}
    assert config_parameters(config) == {"device": "cuda", "model_dir": ""}
    assert config_parameters({}) == {}


def test_each_field_takes_its_own_type_and_blanks_keep_the_default():
    options = options_from(EngineOptions, {"cpu_threads": "4", "temperature": "0.5", "model_dir": " ",
                                           "unknown": "ignored"})
    assert options == EngineOptions(cpu_threads=4, temperature=0.5)
    whisper = options_from(WhisperOptions, {"vad_filter": "off", "word_timestamps": "YES", "beam_size": "5"})
    assert (whisper.vad_filter, whisper.word_timestamps, whisper.beam_size) == (False, True, 5)


def test_a_value_of_the_wrong_type_names_its_parameter():
    with pytest.raises(ValueError, match="max_new_tokens must be int, got 'many'"):
        EngineOptions.from_parameters({"max_new_tokens": "many"})
