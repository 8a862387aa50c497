"""Whether a stretch of video is one still picture: the block change measure against an encoder's
noise and a moving mouth, no face in it, and the measure as the sandbox's decode takes it from real
files (a still coded again every second, a GRID talking face)."""

from __future__ import annotations

import asyncio
import subprocess

import numpy as np
import pytest

from streams.domain import contracts
from streams.media.onscreen import Glance
from streams.media.reframe.observations import Box, Face, FrameFaces, Source
from streams.media.reframe.planner import FRAMINGS, plan_clip
from streams.media.reframe.stillness import STILL, Change, faces_of_a_picture, is_still


def picture(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(40, 216, (90, 160, 3), dtype=np.uint8)


def test_an_encoders_noise_is_no_change_and_a_moving_patch_is():
    first = picture()
    noise = np.random.default_rng(1).integers(-16, 17, first.shape)  # every pixel off by up to 16 levels
    noisy = (first.astype(int) + noise).astype(np.uint8)
    change = Change()
    for frame in (first, first, noisy, first):
        change.add(frame)
    assert change.share == 0.0
    moved = first.copy()
    moved[40:48, 68:76] = 0  # a mouth opening: four blocks, dark
    change.add(moved)
    assert change.share > STILL and change.share == pytest.approx(4 / (22 * 40))
    change.add(first[:60])  # another size of picture: another picture
    assert change.share == 1.0


def test_a_still_has_no_face_in_it_however_small():
    empty = [FrameFaces(t, ()) for t in range(5)]
    assert is_still(0.0, empty) and is_still(STILL, empty) and not is_still(2 * STILL, empty)
    assert not is_still(0.0, [])  # no picture seen at all: the picture track ended before the stretch
    tiny = empty + [FrameFaces(5, (Face(Box(600, 300, 612, 315), 0.3),))]  # one unsure, small face once
    assert not is_still(0.0, tiny)


def _cover(t: float, jitter: float = 0.0, *, shown=(0, 1)) -> FrameFaces:
    """A frame of a podcast's cover with its two hosts' faces (100 pixels tall), ``jitter`` pixels off."""
    places = [(300.0, 250.0), (900.0, 250.0)]
    return FrameFaces(t, tuple(Face(Box(x + jitter, y, x + 90 + jitter, y + 100), 0.9)
                               for i, (x, y) in enumerate(places) if i in shown))


def test_two_faces_that_hold_their_places_are_a_picture_and_one_face_or_faces_that_move_are_not():
    jitters = [0.0, 0.3, -0.2, 0.0, 2.0, 0.1, 0.0, -0.3]  # the detector's noise on a picture coded again
    cover = [_cover(t, j) for t, j in enumerate(jitters)]
    assert faces_of_a_picture(cover) and is_still(0.0, cover)
    assert not is_still(2 * STILL, cover)  # the picture itself changed
    missed = cover + [_cover(8, shown=(1,)), _cover(9, shown=())]  # a face the detector missed now and then
    assert is_still(0.0, missed)
    talking = [_cover(t, 3.0 * (-1) ** t) for t in range(8)]  # 3 % of their height, to and fro: people
    assert not faces_of_a_picture(talking) and not is_still(0.0, talking)
    one = [_cover(t, shown=(0,)) for t in range(8)]  # one printed face: a crop shows it whole
    assert not faces_of_a_picture(one) and not is_still(0.0, one)
    walked_in = cover + [FrameFaces(8, (Face(Box(600, 500, 640, 545), 0.6),))]  # someone else, elsewhere
    assert not is_still(0.0, walked_in)


def test_the_sandboxs_decode_measures_a_still_upload_as_still_and_a_talking_face_as_moving(media_dir, tmp_path):
    still = tmp_path / "still.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-loop", "1", "-i",
                    str(media_dir / "images/skimage_astronaut.png"), "-t", "4", "-r", "30", "-vf", "scale=1280:720",
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "38", "-g", "30", "-pix_fmt", "yuv420p",
                    str(still)], check=True, timeout=120)
    with Glance(still, 0.5, 3.5) as glance:
        while glance.next_batch():
            pass
        assert glance.change.share <= STILL
    with Glance(media_dir / "video/grid/sbwe5n.mpg", 0.0, 3.0) as glance:
        while glance.next_batch():
            pass
        assert glance.change.share > 10 * STILL


def test_the_still_framing_draws_every_aspect_as_a_cover_without_looking():
    """``framing=still`` (a video podcast whose picture has faces in it): no decode, no face model
    (there is neither a file nor a model here), the whole picture planned as the cover."""
    plans = asyncio.run(plan_clip(None, "/no/such/upload.mp4", Source(1281, 720, 25.0), 3.0, 9.0, ["9:16", "1:1"],
                                  framing="still"))
    assert {a: (p.layout, p.crop_width, p.crop_height, p.start, p.end) for a, p in plans.items()} == {
        "9:16": ("still", 1280, 720, 3.0, 9.0), "1:1": ("still", 1280, 720, 3.0, 9.0)}
    offered = contracts.schema("upload_received")["properties"]["options"]["properties"]["framing"]["enum"]
    assert set(offered) == set(FRAMINGS)  # the upload's contract offers every framing
