import numpy as np
import pytest

from streams.domain.words import Word
from streams.moments.evidence import pitch_variation
from streams.moments.sentences import Sentence
from streams.prosody.pitch import PitchTrack, pitch_track, pooled_semitone_spread, semitone_spread

RATE = 16_000


def voice(f0_hz: np.ndarray, amplitude: float = 0.3) -> np.ndarray:
    """A buzz with five harmonics following ``f0_hz`` (one value per sample), like a vowel."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / RATE
    return amplitude * sum(np.sin(k * phase) / k for k in range(1, 6))


def steady(hz: float, seconds: float = 1.0) -> np.ndarray:
    return voice(np.full(int(seconds * RATE), hz))


@pytest.mark.parametrize("hz", [85.0, 140.0, 220.0, 330.0])
def test_a_steady_voice_is_tracked_within_one_percent(hz):
    track = pitch_track(steady(hz))
    voiced = [f for f in track.f0 if f > 0]
    assert len(track.f0) == 25 and len(voiced) >= 24
    assert max(abs(f - hz) for f in voiced) < 0.01 * hz


def test_a_glide_is_followed():
    t = np.arange(2 * RATE) / RATE
    track = pitch_track(voice(150 + 75 * t))  # 150 Hz rising to 300 Hz
    f0 = np.array(track.f0)
    assert (f0[1:-1] > 0).all()
    expected = 150 + 75 * (np.arange(len(f0)) * 0.04 + 0.02)
    assert np.abs(f0[1:-1] - expected[1:-1]).max() < 5.0


def test_silence_and_noise_are_unvoiced():
    assert set(pitch_track(np.zeros(RATE)).f0) == {0.0}
    noise = 0.3 * np.random.default_rng(0).standard_normal(RATE)
    assert sum(f > 0 for f in pitch_track(noise).f0) <= 2
    assert pitch_track(np.zeros(0)).f0 == ()


def test_quiet_frames_next_to_speech_are_unvoiced():
    audio = np.concatenate([steady(200), 1e-4 * steady(200)])
    f0 = pitch_track(audio).f0
    assert all(f > 0 for f in f0[:24]) and all(f == 0 for f in f0[26:])


def test_voiced_between_picks_the_frames_in_the_window():
    track = PitchTrack(0.04, (0.0, 100.0, 110.0, 0.0, 120.0))
    assert track.voiced_between(0.04, 0.2) == [100.0, 110.0, 120.0]
    assert track.voiced_between(0.05, 0.12) == [110.0]
    assert track.voiced_between(1.0, 0.5) == []


def test_longest_unvoiced_is_the_longest_run_without_voice_in_the_window():
    # 40 ms frames from frame 10 (0.4 s): voiced, 3 unvoiced, voiced, 5 unvoiced, voiced
    track = PitchTrack(hop_seconds=0.04, f0=(120.0,) * 2 + (0.0,) * 3 + (118.0,) + (0.0,) * 5 + (121.0,), offset=10)
    assert track.longest_unvoiced(0.4, 0.88) == pytest.approx(0.2)  # the five
    assert track.longest_unvoiced(0.4, 0.6) == pytest.approx(0.12)  # only the three fit
    assert track.longest_unvoiced(0.4, 0.48) == 0.0
    # where the track says nothing, neither does this
    assert track.longest_unvoiced(0.0, 0.6) is None
    assert track.longest_unvoiced(0.6, 2.0) is None
    assert track.longest_unvoiced(0.6, 0.6) is None


def test_semitone_spread():
    assert semitone_spread([200.0] * 10) == 0.0
    assert semitone_spread([100.0, 200.0]) == pytest.approx(6.0)  # an octave apart: +-6 semitones
    assert semitone_spread([0.0, 150.0]) == 0.0


def test_pitch_variation_signal_prefers_an_expressive_voice():
    t = np.arange(4 * RATE) / RATE
    monotone = pitch_track(steady(180, 4.0))
    lively = pitch_track(voice(180 * 2 ** (5 * np.sin(2 * np.pi * 0.5 * t) / 12)))
    assert pitch_variation(0, 4, monotone) == 0.0
    assert pitch_variation(0, 4, lively) >= 0.6
    assert pitch_variation(0, 4, None) == 0.5
    assert pitch_variation(10, 20, lively) == 0.5  # nothing voiced there: no opinion


def test_each_voice_is_measured_from_its_own_median():
    assert pooled_semitone_spread([[110.0] * 10, [220.0] * 10]) == 0.0  # two steady voices an octave apart
    assert pooled_semitone_spread([[100.0, 200.0], [300.0] * 4]) == pytest.approx(np.sqrt(72 / 6))  # +-6 and four zeros
    assert pooled_semitone_spread([[100.0], [0.0, 150.0]]) == 0.0  # no voice with two voiced values
    assert pooled_semitone_spread([[100.0, 200.0]]) == semitone_spread([100.0, 200.0])


def said(speaker: str | None, start: float, end: float) -> Sentence:
    return Sentence((Word("words", start, end, speaker=speaker),))


def test_a_change_of_voice_is_not_an_expressive_voice():
    """A steady host at 120 Hz answered by a steady guest at 210 Hz: across both, the pitch spreads
    over nearly ten semitones, but neither voice moves."""
    exchange = pitch_track(np.concatenate([steady(120, 2.0), steady(210, 2.0)]))
    assert pitch_variation(0, 4, exchange) == 1.0  # voices unknown: read as one voice, as before
    assert pitch_variation(0, 4, exchange, [said("S1", 0, 2), said("S2", 2, 4)]) == 0.0
    assert pitch_variation(0, 4, exchange, [said("S1", 0, 2), said("S1", 2, 4)]) == 1.0  # one voice that jumps
    t = np.arange(2 * RATE) / RATE
    lively_host = voice(120 * 2 ** (5 * np.sin(2 * np.pi * 0.5 * t) / 12))
    both = pitch_track(np.concatenate([lively_host, steady(210, 2.0)]))
    assert pitch_variation(0, 4, both, [said("S1", 0, 2), said("S2", 2, 4)]) >= 0.3  # the host still moves
    assert pitch_variation(0, 4, both, [said("S1", 0, 0.4), said("S2", 3.6, 4)]) == 0.5  # too little voiced


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        pitch_track(np.zeros(10), min_hz=500, max_hz=100)
    with pytest.raises(ValueError):
        pitch_track(np.zeros(10), hop_seconds=0)
