"""Whether a stretch of video is one still picture: the block change measure against an encoder's
noise and a moving mouth, the faces that hold or move, and the measure as the sandbox's decode
takes it from real files (a still coded again every second, a GRID talking face)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from streams.media.onscreen import Glance
from streams.media.reframe.observations import Box, Face, FrameFaces
from streams.media.reframe.stillness import STILL, Change, faces_hold, is_still


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


def face(x: float, y: float, height: float = 100.0) -> Face:
    return Face(Box(x, y, x + 0.8 * height, y + height), 0.9)


def test_a_photographs_faces_hold_and_a_persons_move():
    still = [FrameFaces(t, (face(100, 100), face(600, 120))) for t in range(5)]
    assert faces_hold(still) and faces_hold([]) and is_still(0.0, still)
    rounding = still + [FrameFaces(5, (face(601, 121), face(100.8, 100)))]  # the detector's rounding
    assert faces_hold(rounding)
    nodding = still + [FrameFaces(5, (face(100, 106), face(600, 120)))]
    assert not faces_hold(nodding) and not is_still(0.0, nodding)
    assert not faces_hold(still + [FrameFaces(5, (face(100, 100),))])  # one left the picture
    assert not is_still(2 * STILL, still)


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
