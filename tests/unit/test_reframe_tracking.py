"""Linking synthetic face detections into tracks: jitter, missed frames, cuts, noise."""

from __future__ import annotations

import numpy as np
import pytest

from streams.media.reframe.observations import Box, Face, FrameFaces
from streams.media.reframe.tracking import TrackingRules, link_tracks

HEIGHT = 720


def face(cx: float, cy: float, w: float = 90, score: float = 0.9, jitter: float = 0.0,
         rng: np.random.Generator | None = None, mouth: float | None = None) -> Face:
    j = rng.normal(0, jitter, 4) if rng is not None else np.zeros(4)
    h = w * 1.15
    return Face(Box(cx - w / 2 + j[0], cy - h / 2 + j[1], cx + w / 2 + j[2], cy + h / 2 + j[3]), score,
                mouth_open=mouth)


def test_a_moving_face_with_jitter_and_missed_frames_is_one_track():
    rng = np.random.default_rng(0)
    times = np.arange(0, 8, 1 / 8)
    frames = []
    for i, t in enumerate(times):
        missed = i in (20, 21, 22, 23) or rng.random() < 0.1  # a 0.5 s gap and scattered misses
        x = 150 + 122.5 * t
        frames.append(FrameFaces(float(t), () if missed else (face(x, 300, jitter=3, rng=rng),)))
    tracks = link_tracks(frames, HEIGHT)
    assert len(tracks) == 1
    track = tracks[0]
    assert track.start < 0.3 and track.end > 7.6
    cx, _ = track.center_at(2.75)  # inside the gap: interpolated
    assert abs(cx - (150 + 122.5 * 2.75)) < 10


def test_two_faces_side_by_side_stay_apart_and_ids_follow_first_appearance():
    frames = [FrameFaces(t, (face(960, 360), face(320, 360))) for t in np.arange(0, 4, 0.2)]
    tracks = link_tracks(frames, HEIGHT)
    assert len(tracks) == 2
    assert [t.id for t in tracks] == [0, 1]
    assert tracks[0].median_center[0] == pytest.approx(320)  # same start: left first
    assert tracks[1].median_center[0] == pytest.approx(960)
    assert all(len(t.times) == 20 for t in tracks)


def test_a_track_never_crosses_a_scene_cut():
    frames = [FrameFaces(t, (face(600, 360),)) for t in np.arange(0, 4, 0.2)]
    tracks = link_tracks(frames, HEIGHT, cuts=[2.05])
    assert len(tracks) == 2
    assert tracks[0].end < 2.05 <= tracks[1].start


def test_a_long_gap_ends_a_track():
    frames = [FrameFaces(t, (face(600, 360),)) for t in np.arange(0, 2, 0.2)]
    frames += [FrameFaces(t, (face(600, 360),)) for t in np.arange(3.5, 5, 0.2)]
    assert len(link_tracks(frames, HEIGHT)) == 2
    assert len(link_tracks(frames, HEIGHT, rules=TrackingRules(max_gap_seconds=2.0))) == 1


def test_a_jump_farther_than_the_gate_starts_a_new_track():
    frames = [FrameFaces(t, (face(200 if t < 2 else 900, 360),)) for t in np.arange(0, 4, 0.2)]
    tracks = link_tracks(frames, HEIGHT)
    assert len(tracks) == 2


def test_tiny_weak_and_fleeting_faces_are_dropped():
    frames = []
    for i, t in enumerate(np.arange(0, 4, 0.2)):
        faces = [face(600, 360),
                 face(100, 100, w=12),  # tiny: 14 px tall on a 720 px frame
                 face(1000, 500, score=0.3)]  # weak
        if i in (5, 6):
            faces.append(face(900, 200))  # two detections, 0.2 s: a false positive
        frames.append(FrameFaces(float(t), tuple(faces)))
    tracks = link_tracks(frames, HEIGHT)
    assert len(tracks) == 1 and tracks[0].median_center == pytest.approx((600, 360))


def test_mouth_openings_are_kept_per_detection():
    frames = [FrameFaces(t, (face(600, 360, mouth=0.01 * i),)) for i, t in enumerate(np.arange(0, 1, 0.2))]
    [track] = link_tracks(frames, HEIGHT)
    assert track.mouth_open == pytest.approx((0.0, 0.01, 0.02, 0.03, 0.04))


def test_frames_in_any_order_and_empty_input():
    frames = [FrameFaces(t, (face(600, 360),)) for t in np.arange(0, 2, 0.2)]
    assert len(link_tracks(frames[::-1], HEIGHT)) == 1
    assert link_tracks([], HEIGHT) == []
