import numpy as np
import pytest

from streams.asr.pcm import InvalidAudio, validate_pcm


def test_accepts_mono_float32_and_a_leading_batch_axis():
    audio = np.zeros((1, 16000), np.float32)
    out = validate_pcm(audio)
    assert out.shape == (16000,) and out.dtype == np.float32 and out.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize(
    "audio, message",
    [
        (np.zeros(16000, np.float64), "dtype float64"),
        (np.zeros(16000, np.int16), "dtype int16"),
        (np.zeros(0, np.float32), "empty"),
        (np.zeros((2, 16000), np.float32), "one channel"),
        (np.zeros(16000 * 181, np.float32), "limit is 180s"),
        (np.array([0.0, np.inf], np.float32), "NaN or infinite"),
        (np.array([np.nan], np.float32), "NaN or infinite"),
    ],
)
def test_refuses_bad_audio_with_a_reason(audio, message):
    with pytest.raises(InvalidAudio, match=message):
        validate_pcm(audio)
