"""Chunking real speech at pauses, streaming, and the WAV form chunks travel in."""

from __future__ import annotations

import io
import random
import subprocess
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from streams.errors import TruncatedMedia
from streams.media.audio import decode_pcm
from streams.media.chunking import (
    AudioChunk,
    Chunker,
    decode_wav,
    encode_wav,
    iter_chunks,
)
from streams.media.probe import probe
from streams.prosody.loudness import energy_envelope

SR = 16_000
LJSPEECH = "derived/ljspeech_LJ001-0001_to_0032_concat.wav"


@pytest.fixture(scope="module")
def reading(media_dir) -> Path:
    return media_dir / LJSPEECH


@pytest.fixture(scope="module")
def reading_pcm(reading) -> np.ndarray:
    return decode_pcm(reading)


@pytest.fixture(scope="module")
def reading_chunks(reading) -> list[AudioChunk]:
    return list(iter_chunks(reading, probe(reading)))


@pytest.fixture(scope="module")
def reading_m4a(reading, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("chunking") / "reading.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(reading), "-c:a", "aac", "-movflags", "+faststart",
                    str(out)], check=True, timeout=120)
    return out


def noise(seconds: float, level: float = 0.1, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(round(seconds * SR)) * level).astype(np.float32)


def assert_exact_cover(chunks: list[AudioChunk], pcm: np.ndarray) -> None:
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert [c.is_last for c in chunks] == [False] * (len(chunks) - 1) + [True]
    joined = np.concatenate([c.pcm for c in chunks])
    assert joined.dtype == np.float32 and np.array_equal(joined, pcm)
    assert chunks[0].start == 0.0 and chunks[-1].end == pcm.size / SR
    for before, after in zip(chunks, chunks[1:]):
        assert before.end == after.start
    for c in chunks:
        assert c.end - c.start == pytest.approx(c.pcm.size / SR, abs=1e-9)


def test_reading_is_cut_into_one_to_two_minute_chunks(reading_chunks, reading_pcm):
    assert reading_pcm.size / SR == pytest.approx(221.75, abs=0.01)
    assert len(reading_chunks) == 3
    assert all(60.0 <= c.end - c.start <= 120.0 for c in reading_chunks[:-1])
    assert 0 < reading_chunks[-1].end - reading_chunks[-1].start <= 120.0


def test_chunks_are_exactly_the_decoded_audio(reading_chunks, reading_pcm):
    assert_exact_cover(reading_chunks, reading_pcm)


def test_cuts_fall_in_pauses_between_sentences(reading_chunks, reading_pcm):
    speech_level = float(np.median(energy_envelope(reading_pcm, hop_seconds=0.5)))
    for chunk in reading_chunks[:-1]:
        at = round(chunk.end * SR)
        around = reading_pcm[at - SR * 15 // 100: at + SR * 15 // 100]  # 150 ms either side
        assert np.sqrt(np.mean(np.square(around))) < 0.05 * speech_level, f"cut at {chunk.end:.2f} s is not a pause"


def test_cut_goes_to_the_quietest_moment():
    """A planted silence beats every natural pause, wherever it is inside the window."""
    audio = noise(150)
    audio[round(83.0 * SR): round(83.4 * SR)] = 0
    first = Chunker().feed(audio)[0]
    assert 83.0 < first.end < 83.4


def test_ties_go_to_the_later_point():
    chunker = Chunker()
    chunks = chunker.feed(np.zeros(300 * SR, np.float32)) + chunker.finish()
    assert [(c.start, c.end) for c in chunks] == [(0.0, 120.0), (120.0, 240.0), (240.0, 300.0)]


def test_a_chunk_goes_out_as_soon_as_audio_follows_it():
    """Fed one second at a time, chunk 0 comes out of the feed that takes the buffer past 120 s."""
    chunker, out = Chunker(), []
    audio = noise(250, seed=3)
    for second in range(250):
        got = chunker.feed(audio[second * SR: (second + 1) * SR])
        out.extend((second, c) for c in got)
    assert [second for second, _ in out] == [120, out[1][0]] and out[1][0] <= 240
    last = chunker.finish()
    assert len(last) == 1 and last[0].is_last and not any(c.is_last for _, c in out)
    assert_exact_cover([c for _, c in out] + last, audio)


def test_exactly_max_seconds_waits_for_finish():
    chunker = Chunker()
    assert chunker.feed(noise(120)) == []
    (only,) = chunker.finish()
    assert only.is_last and (only.start, only.end) == (0.0, 120.0)


def test_short_input_is_one_last_chunk():
    chunker = Chunker()
    audio = noise(10)
    assert chunker.feed(audio) == []
    (only,) = chunker.finish()
    assert (only.index, only.start, only.end, only.is_last) == (0, 0.0, 10.0, True)
    assert np.array_equal(only.pcm, audio)


def test_no_audio_no_chunks():
    chunker = Chunker()
    assert chunker.feed(np.zeros(0, np.float32)) == []
    assert chunker.finish() == []


def test_chunker_refuses_misuse():
    with pytest.raises(ValueError, match="min_seconds <= max_seconds"):
        Chunker(min_seconds=90, max_seconds=60)
    with pytest.raises(ValueError, match="mono"):
        Chunker().feed(np.zeros((2, 100), np.float32))
    chunker = Chunker()
    chunker.finish()
    with pytest.raises(RuntimeError):
        chunker.feed(np.zeros(10, np.float32))


def test_half_an_upload_yields_what_it_has_then_fails(reading_m4a, tmp_path):
    """The AAC decoder raises InvalidDataError on the packet the cut goes through."""
    info = probe(reading_m4a)
    data = reading_m4a.read_bytes()
    half = tmp_path / "upload.part"
    half.write_bytes(data[: len(data) // 2])
    got = []
    expected = r"^reading\.m4a is cut off or damaged: its audio stops at 1:\d\d of 3:41"
    with pytest.raises(TruncatedMedia, match=expected) as err:
        for chunk in iter_chunks(half, info, Chunker(min_seconds=20, max_seconds=40), display_name="reading.m4a"):
            got.append(chunk)
    assert isinstance(err.value.__cause__, av.error.InvalidDataError)
    assert "upload.part" not in str(err.value)
    assert len(got) >= 2 and not any(c.is_last for c in got)


def test_audio_that_ends_quietly_but_early_fails_at_the_end(reading, tmp_path):
    """Half a WAV decodes without an error; only the length gives it away."""
    info = probe(reading)
    data = reading.read_bytes()
    half = tmp_path / "reading.wav"
    half.write_bytes(data[: len(data) // 2])
    got = []
    expected = r"^reading\.wav is cut off or damaged: its audio stops at 1:50 of 3:41"
    with pytest.raises(TruncatedMedia, match=expected) as err:
        for chunk in iter_chunks(half, info, Chunker(min_seconds=20, max_seconds=40)):
            got.append(chunk)
    assert err.value.__cause__ is None
    assert sum(c.pcm.size for c in got) > 60 * SR and not any(c.is_last for c in got)


def test_a_little_short_is_fine(reading, tmp_path):
    """Container durations are often a little off; within 10% (or 2 s) nothing is raised."""
    info = probe(reading)
    data = reading.read_bytes()
    most = tmp_path / "reading.wav"
    most.write_bytes(data[: len(data) * 95 // 100])
    chunks = list(iter_chunks(most, info))
    assert chunks[-1].is_last and chunks[-1].end == pytest.approx(0.95 * 221.75, abs=0.1)


def test_garbage_in_the_middle_stops_decoding(reading_m4a, tmp_path):
    """FFmpeg's AAC decoder raises InvalidDataError (avcodec_send_packet) on the overwritten packets."""
    data = bytearray(reading_m4a.read_bytes())
    middle = len(data) // 2
    data[middle: middle + len(data) // 10] = random.Random(11).randbytes(len(data) // 10)
    damaged = tmp_path / "damaged.m4a"
    damaged.write_bytes(bytes(data))
    info = probe(damaged)  # the headers and both ends are intact
    expected = r"^damaged\.m4a is cut off or damaged: its audio stops at 1:\d\d of 3:41"
    with pytest.raises(TruncatedMedia, match=expected) as err:
        list(iter_chunks(damaged, info))
    assert isinstance(err.value.__cause__, av.error.InvalidDataError)


def test_wav_round_trip():
    rng = np.random.default_rng(5)
    pcm = np.concatenate([rng.uniform(-1, 1, SR), [1.0, -1.0, 0.0, 1 / 32768]]).astype(np.float32)
    wav = encode_wav(pcm)
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, SR, pcm.size)
    back = decode_wav(wav)
    assert back.dtype == np.float32 and back.shape == pcm.shape
    assert np.max(np.abs(back - pcm)) <= 1 / 32768


def test_wav_clips_out_of_range_samples():
    back = decode_wav(encode_wav(np.array([1.7, -3.0, 0.5], np.float32)))
    assert back.tolist() == pytest.approx([32767 / 32768, -1.0, 0.5])


def test_decoded_speech_survives_the_wav_form(reading_pcm):
    """Storing a chunk as WAV costs at most half a 16-bit step per sample."""
    pcm = reading_pcm[: 10 * SR]
    assert np.max(np.abs(decode_wav(encode_wav(pcm)) - pcm)) <= 0.5 / 32768 + 1e-9


def test_decode_wav_refuses_other_layouts():
    stereo = io.BytesIO()
    with wave.open(stereo, "wb") as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(SR), w.writeframes(b"\0" * 400)
    with pytest.raises(ValueError, match="16-bit mono WAV at 16000 Hz"):
        decode_wav(stereo.getvalue())
    with pytest.raises(ValueError, match="16-bit mono WAV at 16000 Hz"):
        decode_wav(encode_wav(np.zeros(10, np.float32), sample_rate=8000))


def test_energy_envelope():
    t = np.arange(2 * SR) / SR
    sine = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    pcm = np.concatenate([sine, np.zeros(SR // 2, np.float32), np.full(SR // 4, 0.25, np.float32)])
    env = energy_envelope(pcm, hop_seconds=0.5)
    assert env.dtype == np.float32 and env.shape == (6,)  # 2.75 s in 0.5 s hops: the last is partial
    assert env[:4] == pytest.approx([0.5 / np.sqrt(2)] * 4, rel=1e-3)
    assert env[4] == 0.0 and env[5] == pytest.approx(0.25)
    assert energy_envelope(np.zeros(0, np.float32)).shape == (0,)
    assert energy_envelope(np.ones(SR, np.float32), hop_seconds=0.1).shape == (10,)
