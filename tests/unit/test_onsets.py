"""Word start refinement on synthetic audio whose word boundaries are known exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from streams.asr.onsets import level_db, refine_word_starts

RATE = 16_000


@dataclass(frozen=True)
class W:
    word: str
    start: float
    end: float


def _burst(seconds: float, freq: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # 10 ms ramps, like a syllable edge
    return (amplitude * envelope * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _noise(seconds: float, level: float = 0.002, seed: int = 0) -> np.ndarray:
    return (level * np.random.default_rng(seed).standard_normal(int(seconds * RATE))).astype(np.float32)


def test_first_word_after_silence_starts_at_the_voice_not_at_the_segment_start():
    pcm = np.concatenate([_noise(0.5), _burst(0.4, 220)])  # voice from 0.50 s
    words = refine_word_starts([W("set", 0.2, 0.9)], pcm)
    assert words[0].start == pytest.approx(0.5, abs=0.03)
    assert words[0].end == 0.9


def test_connected_words_start_in_the_dip_before_a_late_whisper_time():
    # two syllables joined by a 40 ms dip at 0.90-0.94 s; Whisper says the second starts at 1.02 s
    pcm = np.concatenate([_noise(0.5), _burst(0.4, 220), _noise(0.04, seed=1), _burst(0.4, 330), _noise(0.3, seed=2)])
    pcm = pcm + _noise(len(pcm) / RATE, seed=3)
    words = refine_word_starts([W("white", 0.5, 1.02), W("with", 1.02, 1.34)], pcm)
    assert words[1].start == pytest.approx(0.92, abs=0.03)
    assert words[0].end == words[1].start  # the previous word's end follows, no overlap
    assert words[0].start == pytest.approx(0.5, abs=0.03)


def test_a_click_in_the_silence_is_not_an_onset():
    pcm = np.concatenate([_noise(0.5), _burst(0.4, 220)])
    pcm[int(0.25 * RATE) : int(0.255 * RATE)] = 0.5  # 5 ms click
    words = refine_word_starts([W("set", 0.2, 0.9)], pcm)
    assert words[0].start == pytest.approx(0.5, abs=0.03)


def test_starts_stay_in_order_and_words_keep_a_minimum_length():
    pcm = _noise(2.0) + np.tile(_burst(0.1, 300), 20)
    words = [W(str(i), 0.1 * i, 0.1 * i + 0.1) for i in range(20)]
    refined = refine_word_starts(words, pcm)
    starts = [w.start for w in refined]
    assert starts == sorted(starts)
    assert all(w.end - w.start >= 0.0 for w in refined)
    assert all(b.start - a.start >= 0.05 for a, b in zip(refined, refined[1:]))


def test_silence_only_and_no_words():
    assert refine_word_starts([], _noise(1.0)) == []
    words = refine_word_starts([W("x", 0.2, 0.6)], np.zeros(RATE, dtype=np.float32))
    assert words[0].start == 0.2  # nothing louder than the floor: Whisper's time stands


def test_level_of_audio_shorter_than_a_window():
    assert level_db(np.zeros(10, dtype=np.float32)).shape == (1,)
