"""The crops that look closer at a frame than one squeezed look: search tiles and the crop about a
followed face."""

from __future__ import annotations

import numpy as np
import pytest

from streams.vision.tiles import MODEL_SIDE, Crop, around, cut, search_tiles, whole_frame_min_face


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (3840, 2160), (360, 288), (1080, 1920)])
def test_search_tiles_cover_the_frame_and_hold_every_face_the_whole_look_misses(size):
    width, height = size
    tiles = search_tiles(width, height)
    side = tiles[0].side
    assert all(t.side == side for t in tiles) and side == pytest.approx(0.5 * min(width, height))
    assert all(0 <= t.x and t.x + t.side <= width + 1e-6 and 0 <= t.y and t.y + t.side <= height + 1e-6
               for t in tiles)
    # a face box as big as the whole look can miss, anywhere in the frame, lies whole in some tile
    face = whole_frame_min_face(width, height)
    rng = np.random.default_rng(0)
    for x, y in rng.uniform(0, 1, (300, 2)) * (width - face, height - face):
        assert any(t.x <= x and x + face <= t.x + t.side and t.y <= y and y + face <= t.y + t.side for t in tiles)
    # a face 4 % of the frame's height is at least 15 model pixels in a tile
    assert 0.04 * height * MODEL_SIDE / side >= 15


def test_a_16_9_frame_is_searched_with_15_tiles():
    assert len(search_tiles(1280, 720)) == len(search_tiles(3840, 2160)) == 15


def test_the_crop_about_a_face_is_about_five_faces_wide_and_stays_in_the_frame():
    crop = around((600, 300, 640, 340), 1280, 720)
    assert crop.side == pytest.approx(40 * 5.3) and crop.x + crop.side / 2 == pytest.approx(620)
    corner = around((1250, 690, 1280, 720), 1280, 720)
    assert corner.x + corner.side == pytest.approx(1280) and corner.y + corner.side == pytest.approx(720)
    huge = around((0, 0, 700, 700), 1280, 720)
    assert huge.side == 720 and huge.y == 0


def test_cut_resizes_each_crop_and_its_scale_and_corner_map_back():
    picture = np.zeros((360, 640, 3), np.uint8)
    picture[100:120, 200:220] = 255  # a white square at source (400..440, 200..240): picture is half size
    crop = Crop(360, 160, 120)
    (image,) = cut(picture, [crop], (0.5, 0.5))
    assert image.shape == (MODEL_SIDE, MODEL_SIDE, 3)
    ys, xs = np.nonzero(image[..., 0] > 128)
    x0, y0 = xs.min() / crop.scale + crop.x, ys.min() / crop.scale + crop.y
    x1, y1 = (xs.max() + 1) / crop.scale + crop.x, (ys.max() + 1) / crop.scale + crop.y
    assert (x0, y0, x1, y1) == pytest.approx((400, 200, 440, 240), abs=2)
