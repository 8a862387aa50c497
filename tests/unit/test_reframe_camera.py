"""The virtual camera: dead zone, speed and acceleration bounds, cuts, staying inside the frame."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.media.reframe.camera import MAX_ACCEL, MAX_SPEED, CameraRules, follow
from streams.media.reframe.observations import Source

SOURCE = Source(1280, 720, 30.0)
CROP = (404, 720)
DT = 1 / 30


def xs(path) -> np.ndarray:
    return np.array([k.cx for k in path.keyframes])


def speeds(x: np.ndarray) -> np.ndarray:
    return np.abs(np.diff(x)) / DT


def test_a_target_jittering_inside_the_dead_zone_does_not_move_the_camera():
    rng = np.random.default_rng(0)
    times = np.arange(0, 5, DT)
    target = 640 + rng.normal(0, 6, times.size)
    x = xs(follow(times, target, np.full(times.size, 360.0), CROP, SOURCE))
    assert np.ptp(x) < 3


def test_speed_and_acceleration_stay_within_the_bounds_on_a_big_step():
    times = np.arange(0, 6, DT)
    target = np.where(times < 1, 400.0, 900.0)  # inside the crop would be a pan, far would cut:
    path = follow(times, target, np.full(times.size, 360.0), CROP, SOURCE)  # no switch given: pan
    x = xs(path)
    v = np.diff(x) / DT
    assert path.cuts == ()
    assert np.max(np.abs(v)) <= MAX_SPEED * SOURCE.width + 1e-6
    assert np.max(np.abs(np.diff(v))) / DT <= MAX_ACCEL * SOURCE.width + 1e-6
    assert x[-1] == pytest.approx(900, abs=0.05 * CROP[0])


def test_a_steady_pan_is_followed_without_stopping():
    times = np.arange(0, 8, DT)
    target = 250 + 100 * times  # 100 px/s
    x = xs(follow(times, target, np.full(times.size, 360.0), CROP, SOURCE))
    v = speeds(x)[60:-30]
    assert np.all(v > 70) and np.all(v < 130)
    assert np.max(np.abs(x - np.clip(target, 202, 1078))[30:]) < 0.15 * CROP[0]


def test_the_crop_jumps_at_a_scene_cut_within_one_frame():
    times = np.arange(0, 4, DT)
    target = np.where(times < 2.01, 300.0, 1000.0)
    path = follow(times, target, np.full(times.size, 360.0), CROP, SOURCE, cuts=[2.01])
    x = xs(path)
    after = np.searchsorted(times, 2.01)
    assert path.cuts == (2.01,)
    assert x[after - 1] == pytest.approx(300, abs=1) and x[after] == pytest.approx(1000, abs=1)
    jumps = np.flatnonzero(speeds(x) > MAX_SPEED * SOURCE.width + 1e-6)
    assert list(jumps) == [after - 1]


def test_a_far_new_speaker_is_cut_to_and_a_near_one_panned_to():
    times = np.arange(0, 4, DT)
    y = np.full(times.size, 360.0)
    far = follow(times, np.where(times < 2, 300.0, 1000.0), y, CROP, SOURCE, switches=[2.0])
    assert len(far.cuts) == 1 and abs(far.cuts[0] - 2.0) < DT
    near = follow(times, np.where(times < 2, 500.0, 620.0), y, CROP, SOURCE, switches=[2.0])
    assert near.cuts == ()
    assert np.max(speeds(xs(near))) <= MAX_SPEED * SOURCE.width + 1e-6


def test_no_target_holds_the_camera_and_the_first_target_is_where_it_starts():
    times = np.arange(0, 3, DT)
    target = np.where((times > 1) & (times < 2), np.nan, 700.0)
    x = xs(follow(times, target, np.full(times.size, 360.0), CROP, SOURCE))
    assert np.allclose(x, 700)
    nothing = xs(follow(times, np.full(times.size, np.nan), np.full(times.size, np.nan), CROP, SOURCE))
    assert np.allclose(nothing, 640)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 1280), min_size=2, max_size=12), st.floats(0.1, 0.95), st.floats(0.2, 1.5))
def test_any_target_path_keeps_the_crop_in_the_frame_within_bounds(points, crop_fraction, speed):
    times = np.arange(0, 6, DT)
    target = np.interp(times, np.linspace(0, 6, len(points)), points)
    w, h = round(1280 * crop_fraction), round(720 * crop_fraction)
    rules = CameraRules(max_speed=speed)
    path = follow(times, target, np.full(times.size, 200.0), (w, h), SOURCE, rules=rules)
    x = xs(path)
    yv = np.array([k.cy for k in path.keyframes])
    assert np.all(x >= w / 2 - 1e-6) and np.all(x <= 1280 - w / 2 + 1e-6)
    assert np.all(yv >= h / 2 - 1e-6) and np.all(yv <= 720 - h / 2 + 1e-6)
    v = np.hypot(np.diff(x), np.diff(yv)) / DT
    assert np.max(v) <= speed * 1280 + 1e-6
