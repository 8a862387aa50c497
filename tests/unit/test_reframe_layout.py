"""Planning a reframe from synthetic detections: following, cuts, speakers, split screen, fit."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.media.reframe.camera import MAX_SPEED
from streams.media.reframe.layout import ASPECTS, ReframeRules, crop_size, plan_reframe
from streams.media.reframe.reframe_plan import ReframePlan, speed_profile
from streams.media.reframe.observations import Box, Face, FrameFaces, Loudness, Source

SOURCE = Source(1280, 720, 25.0)
BOUND = MAX_SPEED * SOURCE.width  # px/s


def face(cx: float, cy: float, rng: np.random.Generator, w: float = 90, mouth: float | None = None) -> Face:
    j = rng.normal(0, 3, 4)  # detector jitter, px
    h = w * 1.15
    return Face(Box(cx - w / 2 + j[0], cy - h / 2 + j[1], cx + w / 2 + j[2], cy + h / 2 + j[3]), 0.9,
                mouth_open=mouth)


def frame_times(start: float, end: float) -> np.ndarray:
    return np.arange(start, end, 1 / SOURCE.fps)


def inside(plan: ReframePlan, t: float, x: float, y: float | None = None, panel: int = 0) -> bool:
    bx, by, w, h = plan.box_at(t, panel)
    return bx <= x <= bx + w and (y is None or by <= y <= by + h)


def talking(t: float, rng: np.random.Generator) -> float:
    return 0.06 + 0.05 * abs(np.sin(2 * np.pi * 2.2 * t)) + rng.normal(0, 0.004)


def two_people(rng: np.random.Generator, duration: float = 12.0, xs: tuple[float, float] = (320, 960)):
    """Two faces; the left speaks for 3 s, then the right, and so on. Returns frames (8 fps),
    loudness (0.5 s hops) and who speaks at t (0 left, 1 right)."""
    def speaker(t: float) -> int:
        return int(t // 3) % 2

    frames = [FrameFaces(float(t), tuple(
        face(x, 360, rng, mouth=talking(t, rng) if speaker(t) == i else 0.03 + rng.normal(0, 0.004))
        for i, x in enumerate(xs))) for t in np.arange(0, duration, 1 / 8)]
    loudness = Loudness(0.5, 0.0, tuple(0.1 * (1 + 0.3 * rng.random()) for _ in range(int(duration * 2))))
    return frames, loudness, speaker


def test_a_face_moving_across_the_frame_stays_in_the_crop_within_the_speed_bound():
    rng = np.random.default_rng(1)
    def truth(t: float) -> float:
        return 150 + 122.5 * t  # across 1280 px in 8 s

    frames = []
    for i, t in enumerate(np.arange(0, 8, 1 / 8)):
        missed = i in (30, 31, 32) or rng.random() < 0.1
        frames.append(FrameFaces(float(t), () if missed else (face(truth(t), 300, rng),)))
    plan = plan_reframe(frames, SOURCE, "9:16", 0.0, 8.0)
    assert plan.layout == "single" and (plan.crop_width, plan.crop_height) == (404, 720)
    hits = [inside(plan, t, truth(t), 300) for t in frame_times(0, 8)]
    assert np.mean(hits) >= 0.98
    assert max(speed_profile(plan)) <= BOUND + 1e-6
    assert plan.cuts == ()
    assert plan.keyframes[0].t == 0.0 and plan.keyframes[-1].t == 8.0
    assert len(plan.keyframes) == 201  # every source frame


def test_at_a_scene_cut_the_crop_jumps_within_one_frame_and_nowhere_else():
    rng = np.random.default_rng(2)
    frames = [FrameFaces(float(t), (face(300 if t < 3.0 else 1000, 330, rng),)) for t in np.arange(0, 6, 1 / 6)]
    plan = plan_reframe(frames, SOURCE, "9:16", 0.0, 6.0, cuts=[3.0, 9.0])
    assert plan.cuts == (3.0,)
    assert inside(plan, 3.0 - 1 / SOURCE.fps, 300) and not inside(plan, 3.0 - 1 / SOURCE.fps, 1000)
    assert inside(plan, 3.0, 1000) and not inside(plan, 3.0, 300)
    path = plan.keyframes
    fast = [a.t for a, b in itertools.pairwise(path) if abs(b.cx - a.cx) / (b.t - a.t) > BOUND + 1e-6]
    assert len(fast) == 1 and 3.0 - 1 / SOURCE.fps <= fast[0] < 3.0
    assert max(speed_profile(plan)) <= BOUND + 1e-6


def test_with_two_people_the_crop_is_on_the_one_speaking():
    rng = np.random.default_rng(3)
    frames, loudness, speaker = two_people(rng)
    plan = plan_reframe(frames, SOURCE, "9:16", 0.0, 12.0, loudness=loudness, rules=ReframeRules(split=False))
    assert plan.layout == "single"
    xs = (320, 960)
    hits = [inside(plan, t, xs[speaker(t)]) for t in frame_times(0, 12)]
    assert np.mean(hits) >= 0.9
    assert [s.track_id for s in plan.speakers] == [0, 1, 0, 1]
    assert len(plan.cuts) == 3  # the speakers are a crop apart: a cut at each change
    assert max(speed_profile(plan)) <= BOUND + 1e-6


def test_the_plan_shows_the_speaking_face_for_the_thumbnail():
    rng = np.random.default_rng(3)
    frames, loudness, speaker = two_people(rng)
    plan = plan_reframe(frames, SOURCE, "9:16", 0.0, 12.0, loudness=loudness, rules=ReframeRules(split=False))
    assert len(plan.faces) >= 0.9 * len(frames) and [f[0] for f in plan.faces] == sorted(f[0] for f in plan.faces)
    on_speaker = [abs((x0 + x1) / 2 - (320, 960)[speaker(t)]) < 45 for t, x0, _, x1, _ in plan.faces]
    assert np.mean(on_speaker) >= 0.9  # the listener's face is not offered (turns switch a little early)
    assert all(plan.box_at(t)[0] <= (x0 + x1) / 2 <= plan.box_at(t)[0] + plan.crop_width
               for t, x0, _, x1, _ in plan.faces[5:-5] if all(abs(t - c) > 0.5 for c in plan.cuts))
    split = plan_reframe(frames, SOURCE, "9:16", 0.0, 12.0, loudness=loudness)
    assert split.layout == "split" and len(split.faces) == 2 * len(frames)  # both panels' faces
    clip = plan_reframe(frames, SOURCE, "9:16", 4.0, 8.0, loudness=loudness)
    assert clip.faces and all(4.0 <= f[0] <= 8.0 for f in clip.faces)  # not the context around the clip


def test_two_people_far_apart_taking_turns_get_a_split_screen():
    rng = np.random.default_rng(4)
    frames, loudness, _ = two_people(rng)
    plan = plan_reframe(frames, SOURCE, "9:16", 0.0, 12.0, loudness=loudness)
    assert plan.layout == "split"
    assert plan.crop_width / plan.crop_height == pytest.approx(9 / 8, abs=0.01)
    assert plan.panels == (0, 1)  # top: the face on the left
    for t in frame_times(0, 12):
        assert inside(plan, t, 320, 360, panel=0) and inside(plan, t, 960, 360, panel=1)
    assert len(plan.second) == len(plan.keyframes)
    assert max(speed_profile(plan, 1)) <= BOUND + 1e-6


def test_two_people_close_together_or_one_silent_stay_in_a_single_crop():
    rng = np.random.default_rng(5)
    frames, loudness, _ = two_people(rng, xs=(540, 740))  # 200 px apart: both fit a 404 px crop
    assert plan_reframe(frames, SOURCE, "9:16", 0.0, 12.0, loudness=loudness).layout == "single"
    frames, loudness, _ = two_people(rng, duration=3.0)  # only the left speaks
    plan = plan_reframe(frames, SOURCE, "9:16", 0.0, 3.0, loudness=loudness)
    assert plan.layout == "single" and all(inside(plan, t, 320) for t in frame_times(0, 3))


def test_no_faces_is_fit_with_the_whole_frame():
    plan = plan_reframe([FrameFaces(t, ()) for t in np.arange(0, 5, 0.2)], SOURCE, "9:16", 0.0, 5.0, cuts=[2.0])
    assert plan.layout == "fit"
    assert (plan.crop_width, plan.crop_height) == (1280, 720)
    assert plan.keyframes == () and plan.cuts == (2.0,) and plan.faces == ()
    assert plan.box_at(1.0) == (0, 0, 1280, 720)
    assert plan_reframe([], SOURCE, "1:1", 0.0, 5.0).layout == "fit"


def test_a_face_seen_briefly_is_not_enough():
    rng = np.random.default_rng(6)
    frames = [FrameFaces(float(t), (face(600, 360, rng),) if t < 1.0 else ()) for t in np.arange(0, 10, 0.2)]
    assert plan_reframe(frames, SOURCE, "9:16", 0.0, 10.0).layout == "fit"


@pytest.mark.parametrize("aspect", list(ASPECTS))
def test_crop_sizes_are_even_and_of_the_aspect(aspect):
    w, h = crop_size(SOURCE, ASPECTS[aspect][0] / ASPECTS[aspect][1])
    assert w % 2 == 0 and h % 2 == 0 and w <= 1280 and h <= 720
    assert w / h == pytest.approx(ASPECTS[aspect][0] / ASPECTS[aspect][1], abs=0.01)


def test_box_at_is_inside_the_frame_and_as_json_round_trips():
    rng = np.random.default_rng(7)
    frames = [FrameFaces(float(t), (face(40, 360, rng),)) for t in np.arange(0, 4, 0.2)]  # at the edge
    plan = plan_reframe(frames, SOURCE, "4:5", 1.0, 3.0)
    for t in (0.0, 1.0, 2.0, 3.0, 9.0):
        x, y, w, h = plan.box_at(t)
        assert all(isinstance(v, int) for v in (x, y, w, h))
        assert x == 0 and 0 <= y and y + h <= 720
    doc = json.loads(json.dumps(plan.as_json()))
    assert doc["layout"] == "single" and doc["aspect"] == "4:5"
    assert doc["crop"] == {"width": 576, "height": 720}
    assert doc["keyframes"][0][0] == 1.0 and doc["keyframes"][-1][0] == 3.0
    assert doc["speakers"] == [{"start": 1.0, "end": 3.0, "track": 0}]


def test_bad_requests_are_refused():
    with pytest.raises(ValueError, match="aspect"):
        plan_reframe([], SOURCE, "3:2", 0.0, 1.0)
    with pytest.raises(ValueError, match="start < end"):
        plan_reframe([], SOURCE, "9:16", 2.0, 1.0)
    with pytest.raises(ValueError, match="panel"):
        plan_reframe([], SOURCE, "9:16", 0.0, 1.0).center_at(0.5, panel=2)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.lists(st.tuples(st.floats(0, 1280), st.floats(0, 720), st.floats(10, 300), st.floats(0, 0.2)),
                      max_size=3), min_size=1, max_size=40),
    st.lists(st.floats(0, 5), max_size=3),
    st.sampled_from(list(ASPECTS)),
    st.sampled_from([Source(1280, 720, 25.0), Source(720, 1280, 30.0), Source(640, 480, 60.0)]),
)
def test_any_detections_give_a_plan_inside_the_frame_within_the_bound(faces, cuts, aspect, source):
    frames = [FrameFaces(i * 0.125, tuple(Face(Box(x - w / 2, y - w / 2, x + w / 2, y + w / 2), 0.9, mouth_open=m)
                                          for x, y, w, m in row)) for i, row in enumerate(faces)]
    end = max(1.0, len(frames) * 0.125)
    loudness = Loudness(0.5, 0.0, tuple(np.linspace(0, 1, 12)))
    plan = plan_reframe(frames, source, aspect, 0.0, end, cuts=cuts, loudness=loudness)
    assert plan.layout in ("single", "split", "fit")
    for panel in (0, 1) if plan.layout == "split" else (0,):
        path = plan.keyframes if panel == 0 else plan.second
        assert [k.t for k in path] == sorted(k.t for k in path)
        assert all(0.0 <= k.t <= end for k in path)
        for t in np.linspace(0, end, 9):
            x, y, w, h = plan.box_at(float(t), panel)
            assert 0 <= x and x + w <= source.width and 0 <= y and y + h <= source.height
        assert max(speed_profile(plan, panel), default=0.0) <= MAX_SPEED * source.width + 1e-6
    json.dumps(plan.as_json())


def test_a_small_speaker_gets_a_closer_crop_as_far_as_the_source_stays_sharp():
    from streams.media.reframe.layout import zoomed_crop

    out, rules = (1080, 1920), ReframeRules()
    # 1080p, face 10 % of the height: zoomed until the face is 15 % of the crop, sharp enough
    (w, h), framing = zoomed_crop(out, (606, 1080), 108.0, rules)
    assert h == 720 and w == 404 and framing.zoom == pytest.approx(1.5) and not framing.soft
    assert framing.face_share == pytest.approx(0.15)
    # 1080p, face 5 %: the crop stops where it would be blown up more than 3x, and says so
    (w, h), framing = zoomed_crop(out, (606, 1080), 54.0, rules)
    assert h == 640 and framing.soft and framing.upscale == pytest.approx(3.0)
    assert framing.face_share == pytest.approx(54 / 640)
    # 720p, face 5 %: no zoom worth making (720 -> 640 is under min_zoom): full height, soft
    (w, h), framing = zoomed_crop(out, (404, 720), 36.0, rules)
    assert (w, h) == (404, 720) and framing.zoom == 1.0 and framing.soft
    # a close shot: nothing changes
    (w, h), framing = zoomed_crop(out, (606, 1080), 400.0, rules)
    assert (w, h) == (606, 1080) and framing.zoom == 1.0 and not framing.soft


def test_a_zoomed_plan_keeps_the_small_face_in_its_crop_with_headroom():
    rng = np.random.default_rng(3)
    source = Source(1920, 1080, 25.0)
    frames = [FrameFaces(i / 8, (face(1400, 500, rng=rng, w=100),)) for i in range(41)]
    plan = plan_reframe(frames, source, "9:16", 0.0, 5.0)
    assert plan.layout == "single" and plan.framing is not None and plan.framing.zoom > 1.3
    x, y, w, h = plan.box_at(2.5)
    assert x < 1400 < x + w and y < 500 < y + h and 500 - y < 0.45 * h  # face above the middle
    assert plan.as_json()["framing"]["zoom"] == round(plan.framing.zoom, 3)
