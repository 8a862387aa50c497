import pytest

from streams.asr.whisper import WhisperOptions

from streams.asr.recognition import Recognition, Segment
from streams.domain.words import Word


def test_options_from_triton_parameters():
    o = WhisperOptions.from_parameters({"beam_size": "5", "vad_filter": "false", "compute_type": "float16",
                                        "device": "cuda", "model_dir": "", "cpu_threads": "2"})
    assert (o.beam_size, o.vad_filter, o.compute_type, o.device, o.cpu_threads) == (5, False, "float16", "cuda", 2)
    assert o.model_dir == "" and o.word_timestamps is True


def test_shift_moves_chunk_times_to_video_times_and_json_round_trips():
    r = Recognition("en", 60.0, [Word("Hello", 0.5, 0.9, 0.98)], [Segment("Hello", 0.5, 0.9, -0.2, 0.01)])
    moved = r.shift(120.0)
    assert moved.words[0].start == 120.5 and moved.words[0].end == 120.9
    assert moved.segments[0].start == 120.5
    assert Recognition.from_json(moved.as_json()) == moved


def test_vad_model_and_batching_parameters():
    o = WhisperOptions.from_parameters({"vad_model": "/models/vad.onnx", "batch_size": "4", "batch_min_seconds": "45"})
    assert (o.vad_model, o.batch_size, o.batch_min_seconds, o.batched) == ("/models/vad.onnx", 4, 45.0, True)
    defaults = WhisperOptions.from_parameters({"vad_model": "", "batch_size": "", "batch_min_seconds": ""})
    assert (defaults.vad_model, defaults.batch_size, defaults.batch_min_seconds) == ("", 0, 60.0)
    # 0 and 1 decode sequentially; so does any size without the VAD, whose windows the batches are
    assert not WhisperOptions(batch_size=1).batched and not WhisperOptions(batch_size=0).batched
    assert not WhisperOptions(batch_size=8, vad_filter=False).batched


@pytest.mark.parametrize("params", [{"batch_size": "-1"}, {"batch_min_seconds": "-5"}, {"batch_size": "four"}])
def test_bad_batching_parameters_fail_at_load(params):
    with pytest.raises(ValueError):
        WhisperOptions.from_parameters(params)


def test_times_stay_inside_the_audio():
    """The batched pipeline aligns a window's last word against whole seconds: it can end late."""
    from types import SimpleNamespace

    import numpy as np

    from streams.asr.whisper import recognition_from

    word = SimpleNamespace(word=" Italy.", start=9.7, end=10.6, probability=0.66)
    late = SimpleNamespace(word=" so", start=10.5, end=10.8, probability=0.5)
    segment = SimpleNamespace(text=" Italy. so", start=9.7, end=10.8, avg_logprob=-0.3, no_speech_prob=0.04,
                              words=[word, late])
    r = recognition_from([segment], "en", np.zeros(160_000, np.float32), WhisperOptions(refine_word_starts=False))
    assert r.duration == 10.0 and r.segments[0].end == 10.0
    assert [(w.word, w.start, w.end) for w in r.words] == [("Italy.", 9.7, 10.0), ("so", 10.0, 10.0)]
