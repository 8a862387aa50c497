"""Deciding the active speaker from synthetic mouth openings and speech loudness."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from streams.media.reframe.observations import Box, Face, FrameFaces, Loudness
from streams.media.reframe.speaker import SpeakerRules, active_speaker, speech_level
from streams.media.reframe.tracking import link_tracks

FPS = 8.0
TURN = 3.0


def talking(t: float, rng: np.random.Generator) -> float:
    return 0.06 + 0.05 * abs(np.sin(2 * np.pi * 2.2 * t)) + rng.normal(0, 0.004)


def resting(rng: np.random.Generator) -> float:
    return 0.03 + rng.normal(0, 0.004)


def face(cx: float, mouth: float) -> Face:
    return Face(Box(cx - 45, 300, cx + 45, 404), 0.9, mouth_open=mouth)


def conversation(duration: float, rng: np.random.Generator, pause: float = 0.0):
    """Left speaks for TURN seconds, then right, and so on; ``pause`` seconds of silence end each
    turn. Returns frames, loudness (0.5 s hops, like the pipeline's envelope) and the speaker at t
    (0 left, 1 right, None in a pause)."""
    def speaker(t: float) -> int | None:
        turn = int(t // TURN)
        return None if t - turn * TURN >= TURN - pause else turn % 2

    frames = []
    for t in np.arange(0, duration, 1 / FPS):
        who = speaker(t)
        frames.append(FrameFaces(float(t), (
            face(320, talking(t, rng) if who == 0 else resting(rng)),
            face(960, talking(t, rng) if who == 1 else resting(rng)),
        )))
    hops = np.arange(0, duration, 0.1)
    fine = [0.1 * (1 + 0.3 * rng.random()) if speaker(t) is not None else 0.002 for t in hops]
    values = [float(np.sqrt(np.mean(np.square(fine[i:i + 5])))) for i in range(0, len(fine), 5)]
    return frames, Loudness(0.5, 0.0, tuple(values)), speaker


def accuracy(turns, speaker, ids, duration: float) -> float:
    hits = []
    for t in np.arange(0, duration, 0.04):
        who = speaker(t)
        if who is None:
            continue
        [turn] = [u for u in turns if u.start <= t < u.end or (t >= u.start and u is turns[-1])]
        hits.append(turn.track_id == ids[who])
    return float(np.mean(hits))


@pytest.mark.parametrize("pause", [0.0, 0.5])
def test_the_speaker_is_the_face_whose_mouth_follows_the_speech(pause):
    rng = np.random.default_rng(3)
    frames, loudness, speaker = conversation(12.0, rng, pause)
    tracks = link_tracks(frames, 720)
    ids = {0: tracks[0].id, 1: tracks[1].id} if tracks[0].median_center[0] < 500 else {0: 1, 1: 0}
    turns = active_speaker(tracks, 0.0, 12.0, loudness=loudness)
    assert accuracy(turns, speaker, ids, 12.0) >= 0.9
    assert [u.track_id for u in turns] == [ids[i % 2] for i in range(4)]
    assert turns[0].start == 0.0 and turns[-1].end == 12.0
    assert all(a.end == b.start for a, b in itertools.pairwise(turns))
    for i, turn in enumerate(turns[1:], 1):  # a change lands at, or just before, the new words
        assert i * TURN - 0.4 <= turn.start <= i * TURN + 0.3


def test_without_loudness_the_moving_mouth_speaks():
    rng = np.random.default_rng(4)
    frames, _, speaker = conversation(12.0, rng)
    tracks = link_tracks(frames, 720)
    ids = {0: 0, 1: 1}
    assert accuracy(active_speaker(tracks, 0.0, 12.0), speaker, ids, 12.0) >= 0.9


def test_a_mouth_moving_in_silence_does_not_take_the_turn():
    """Right chews (mouth moving) during the pauses; left speaks between them."""
    rng = np.random.default_rng(5)
    frames = []
    for t in np.arange(0, 8, 1 / FPS):
        speaking = (t % 2) < 1.4
        frames.append(FrameFaces(float(t), (
            face(320, talking(t, rng) if speaking else resting(rng)),
            face(960, resting(rng) if speaking else talking(t, rng)),
        )))
    loud = Loudness(0.1, 0.0, tuple(0.1 if (t % 2) < 1.4 else 0.001 for t in np.arange(0, 8, 0.1)))
    turns = active_speaker(link_tracks(frames, 720), 0.0, 8.0, loudness=loud)
    assert [u.track_id for u in turns] == [0]


def test_turns_do_not_flicker():
    """Two equally idle faces with landmark jitter: one speaker, no back and forth."""
    rng = np.random.default_rng(6)
    frames = [FrameFaces(float(t), (face(320, resting(rng)), face(960, resting(rng))))
              for t in np.arange(0, 10, 1 / FPS)]
    loud = Loudness(0.5, 0.0, tuple(0.05 + 0.05 * rng.random() for _ in range(20)))
    turns = active_speaker(link_tracks(frames, 720), 0.0, 10.0, loudness=loud)
    assert all(u.end - u.start >= SpeakerRules().min_turn for u in turns)
    assert len(turns) <= 2


def test_a_change_of_speaker_near_a_scene_cut_happens_on_it():
    rng = np.random.default_rng(7)
    frames, loudness, _ = conversation(6.0, rng)
    tracks = link_tracks(frames, 720)
    turns = active_speaker(tracks, 0.0, 6.0, loudness=loudness, cuts=[3.2])
    assert [u.start for u in turns] == [0.0, 3.2]


def test_one_face_speaks_whenever_it_is_on_screen_and_no_face_means_no_turns():
    frames = [FrameFaces(float(t), (face(600, 0.03),)) for t in np.arange(0, 5, 0.2)]
    turns = active_speaker(link_tracks(frames, 720), 1.0, 4.0)
    assert [(u.start, u.end, u.track_id) for u in turns] == [(1.0, 4.0, 0)]
    assert active_speaker([], 0.0, 4.0) == []


def test_speech_level_maps_loudness_onto_0_to_1_in_decibels():
    loud = Loudness(0.5, 10.0, (1.0, 0.5, 0.1, 0.0001))
    level = speech_level(loud, np.array([10.25, 10.75, 11.25, 11.75]))
    assert level[0] == pytest.approx(1.0)
    assert level[1] == pytest.approx(1.0)  # -6 dB: still full speech
    assert 0.3 < level[2] < 0.6  # -19 dB from the loud level (95th percentile)
    assert level[3] == 0.0
    with pytest.raises(ValueError):
        Loudness(0.0, 0.0, (1.0,))


def test_the_voice_heard_decides_the_turn_even_when_that_face_is_turned_away():
    """Right is turned away (its lips never move, talking or not) and left's lips move a little
    while it listens too: the mouths alone cannot tell; the audio's speaker turns can."""
    rng = np.random.default_rng(8)
    frames, loudness, speaker = conversation(12.0, rng)
    frames = [FrameFaces(f.t, (f.faces[0], face(960, resting(rng)))) for f in frames]
    tracks = link_tracks(frames, 720)
    ids = {0: tracks[0].id, 1: tracks[1].id} if tracks[0].median_center[0] < 500 else {0: 1, 1: 0}
    lips_only = active_speaker(tracks, 0.0, 12.0, loudness=loudness)
    assert accuracy(lips_only, speaker, ids, 12.0) < 0.75  # the turned-away face never gets its turns
    voices = [(k * TURN, (k + 1) * TURN, f"S{k % 2 + 1}") for k in range(4)]
    heard = active_speaker(tracks, 0.0, 12.0, loudness=loudness, voices=voices)
    assert accuracy(heard, speaker, ids, 12.0) >= 0.9
    assert [u.track_id for u in heard] == [ids[i % 2] for i in range(4)]
