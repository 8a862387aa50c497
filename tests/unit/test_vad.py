"""Silero VAD from the silero-vad package (run with onnxruntime) on real speech and silence, and the
speech-span algorithm on probabilities whose answer is known."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from streams.asr.vad import (
    SileroVad,
    VadOptions,
    default_vad_model,
    keep_short_edges,
    speech_spans,
    windows_with_context,
)
from streams.media.audio import decode_pcm

RATE = 16_000
PAD = 0.4  # VadOptions().speech_pad_ms, in seconds
LAG = 0.3  # Silero notices the end of speech up to a few windows late


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture(scope="module")
def utterance(media_dir: Path) -> np.ndarray:
    return decode_pcm(media_dir / "speech" / "librispeech" / "1988-24833-0000.flac")


def _silence(seconds: float, seed: int) -> np.ndarray:
    """A quiet room: white noise about 54 dB below full scale."""
    return (0.002 * np.random.default_rng(seed).standard_normal(int(seconds * RATE))).astype(np.float32)


def _seconds(spans: list[dict[str, int]]) -> list[tuple[float, float]]:
    return [(s["start"] / RATE, s["end"] / RATE) for s in spans]


def test_the_model_is_the_packages_file_found_without_importing_the_package():
    path = default_vad_model()
    assert path.name == "silero_vad.onnx" and path.parent.parent.name == "silero_vad"
    assert "silero_vad" not in sys.modules  # its __init__ imports torch, which is not installed


def test_speech_is_found_where_the_utterance_is_and_nowhere_in_the_silence(vad, utterance):
    before, after = 3.0, 4.0
    audio = np.concatenate([_silence(before, 1), utterance, _silence(after, 2)])
    spans = _seconds(vad.speech(audio))
    speech_end = before + len(utterance) / RATE
    assert spans, "no speech found"
    assert spans[0][0] >= before - PAD - LAG and spans[-1][1] <= speech_end + PAD + LAG, spans
    covered = sum(min(e, speech_end) - max(s, before) for s, e in spans if e > before and s < speech_end)
    assert covered >= 0.9 * (speech_end - before), spans

    probabilities = vad.probabilities(audio)
    assert len(probabilities) == -(-len(audio) // 512)
    window = 512 / RATE
    silent = np.r_[probabilities[: int((before - 0.5) / window)], probabilities[int((speech_end + 0.5) / window):]]
    assert silent.max() < 0.5 and np.median(silent) < 0.05


def test_a_long_pause_splits_the_speech_in_two(vad, utterance):
    audio = np.concatenate([_silence(1.0, 3), utterance, _silence(5.0, 4), utterance, _silence(1.0, 5)])
    spans = _seconds(vad.speech(audio))
    middle = 1.0 + len(utterance) / RATE
    assert len(spans) == 2, spans
    assert spans[0][1] <= middle + PAD + LAG and spans[1][0] >= middle + 5.0 - PAD - LAG


def test_silence_alone_and_empty_audio_have_no_speech(vad):
    assert vad.speech(_silence(10.0, 6)) == []
    assert vad.speech(np.zeros(0, np.float32)) == [] and len(vad.probabilities(np.zeros(0, np.float32))) == 0


def test_spans_match_faster_whispers_on_the_same_probabilities(utterance):
    """The port of ``get_speech_timestamps`` gives its answer, fed faster-whisper's own model."""
    from faster_whisper.vad import VadOptions as FasterWhisperVadOptions
    from faster_whisper.vad import get_speech_timestamps, get_vad_model

    audio = np.concatenate([_silence(2.5, 7), utterance, _silence(0.3, 8), utterance, _silence(3.0, 9), utterance])
    probabilities = get_vad_model()(np.pad(audio, (0, 512 - len(audio) % 512))).reshape(-1)
    for options in ({}, {"max_speech_duration_s": 5, "min_silence_duration_ms": 160},
                    {"min_speech_duration_ms": 250, "speech_pad_ms": 30, "threshold": 0.6}):
        expected = get_speech_timestamps(audio, FasterWhisperVadOptions(**options))
        assert speech_spans(probabilities, len(audio), VadOptions(**options)) == expected, options


def test_spans_from_known_probabilities():
    window, n = 512, 512 * 200
    p = np.zeros(200)
    p[50:100] = 0.9
    # one span, padded by 400 ms (6400 samples) each side
    assert speech_spans(p, n) == [{"start": 50 * window - 6400, "end": 100 * window + 6400}]
    # a short dip below the threshold does not end speech; a dip in the hysteresis band never does
    p[70:75], p[80:90] = 0.1, 0.4
    assert len(speech_spans(p, n)) == 1
    # a long silence (over min_silence_duration_ms) does
    p[60:70] = 0.0
    assert len(speech_spans(p, n, VadOptions(min_silence_duration_ms=200))) == 2
    # spans longer than max_speech_duration_s are cut
    q = np.full(200, 0.9)
    spans = speech_spans(q, n, VadOptions(max_speech_duration_s=1.0, speech_pad_ms=0))
    assert len(spans) > 1 and all(s["end"] - s["start"] <= RATE for s in spans)
    # speech that runs to the end of the audio ends there; speech shorter than the minimum is dropped
    assert speech_spans(q, n, VadOptions(speech_pad_ms=0)) == [{"start": 0, "end": n}]
    r = np.zeros(200)
    r[10:12] = 0.9
    assert speech_spans(r, n, VadOptions(min_speech_duration_ms=250)) == []


def test_each_window_sees_the_previous_windows_last_64_samples():
    audio = np.arange(1000, dtype=np.float32)
    rows = windows_with_context(audio)
    assert rows.shape == (2, 576)
    assert not rows[0, :64].any() and (rows[0, 64:] == audio[:512]).all()
    assert (rows[1, :64] == audio[448:512]).all() and (rows[1, 64:64 + 488] == audio[512:]).all()
    assert not rows[1, 64 + 488:].any()


def test_a_model_of_another_signature_is_refused():
    import faster_whisper

    bundled = Path(faster_whisper.__file__).parent / "assets" / "silero_vad_v6.onnx"  # inputs: input, h, c
    with pytest.raises(ValueError, match="not a streaming Silero VAD model"):
        SileroVad(bundled)


def test_short_quiet_at_the_edges_is_kept_and_long_quiet_is_cut():
    second = 16000
    spans = [{"start": 1 * second, "end": 5 * second}, {"start": 9 * second, "end": 12 * second}]
    kept = keep_short_edges(spans, 13 * second, 2 * second)
    assert kept == [{"start": 0, "end": 5 * second}, {"start": 9 * second, "end": 13 * second}]
    assert spans[0]["start"] == second  # the caller's spans are left as they were
    cut = keep_short_edges(spans, 20 * second, 2 * second)  # 8 s of quiet after the speech
    assert cut[-1]["end"] == 12 * second
    assert keep_short_edges([{"start": 3 * second, "end": 4 * second}], 5 * second, 2 * second)[0]["start"] == 3 * second
    assert keep_short_edges([], 5 * second, 2 * second) == []
