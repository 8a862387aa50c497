"""Face Mesh landmarks: crops, decoding and mouth opening, then the real model on real faces."""

import math

import numpy as np
import pytest

from streams.vision.blazeface import FULL_RANGE, Detection, FaceDetector
from streams.vision.landmarks import (
    LEFT_EYE_OUTER, LOWER_INNER_LIP, NUM_LANDMARKS, RIGHT_EYE_OUTER, UPPER_INNER_LIP, FaceCrop, FaceLandmarker,
    crop_from_detection, decode_landmarks, extract, mouth_opening,
)
from tests.unit.test_vision_blazeface import PORTRAITS, grid_frames, read_rgb


def face_at(box, right_eye, left_eye) -> Detection:
    keypoints = np.zeros((6, 2), np.float32)
    keypoints[0], keypoints[1] = right_eye, left_eye
    return Detection(box, 0.9, keypoints)


def synthetic_landmarks(gap: float) -> np.ndarray:
    points = np.zeros((NUM_LANDMARKS, 3), np.float32)
    points[RIGHT_EYE_OUTER, :2] = [60, 80]
    points[LEFT_EYE_OUTER, :2] = [140, 80]
    points[UPPER_INNER_LIP, :2] = [100, 140]
    points[LOWER_INNER_LIP, :2] = [100, 140 + gap]
    return points


def test_mouth_opening_is_bigger_for_an_open_mouth_and_ignores_face_size():
    closed, open_ = synthetic_landmarks(1.0), synthetic_landmarks(30.0)
    assert mouth_opening(open_) > 10 * mouth_opening(closed)
    assert mouth_opening(open_) == pytest.approx(30 / 80)
    assert mouth_opening(open_ * 3) == pytest.approx(mouth_opening(open_))


def test_mouth_opening_of_degenerate_landmarks_is_zero():
    assert mouth_opening(np.zeros((NUM_LANDMARKS, 3))) == 0.0


def test_crop_from_detection_is_centred_with_margin_and_levels_the_eyes():
    face = face_at((100, 200, 200, 280), right_eye=(130, 230), left_eye=(170, 270))
    crop = crop_from_detection(face, margin=1.5)
    assert crop.center == (150, 240) and crop.side == pytest.approx(150)
    assert crop.rotation == pytest.approx(math.pi / 4)
    eyes = crop.to_crop(np.array([face.keypoints[0], face.keypoints[1]]))
    assert eyes[0][1] == pytest.approx(eyes[1][1], abs=1e-4)  # level in the crop
    assert crop_from_detection(face, rotate=False).rotation == 0.0


@pytest.mark.parametrize("rotation", [0.0, 0.3, -1.2])
def test_crop_mapping_round_trips(rotation):
    crop = FaceCrop((320.0, 180.0), 120.0, rotation)
    points = np.array([[0, 0], [192, 192], [50, 140]], np.float32)
    np.testing.assert_allclose(crop.to_crop(crop.to_frame(points)), points, atol=1e-3)
    np.testing.assert_allclose(crop.to_frame(np.array([[96, 96]])), [[320, 180]], atol=1e-4)


def test_extract_cuts_the_region_and_fills_outside_with_black():
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[:, 100:] = 255  # right half white
    image = extract(frame, FaceCrop((100.0, 50.0), 40.0, size=40))
    assert image.shape == (40, 40, 3)
    assert image[:, :15].max() == 0 and image[:, 25:].min() == 255
    outside = extract(frame, FaceCrop((-100.0, -100.0), 40.0, size=8))
    assert outside.max() == 0


def test_decode_landmarks_scales_to_crop_pixels():
    raw = np.tile(np.array([96.0, 48.0, 10.0], np.float32), NUM_LANDMARKS)
    points = decode_landmarks(raw, 384, 96)
    assert points.shape == (NUM_LANDMARKS, 3)
    np.testing.assert_allclose(points[0], [192, 24, 20])


# The real model ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models():
    return FaceDetector(FULL_RANGE), FaceLandmarker()


@pytest.mark.parametrize("name", PORTRAITS)
def test_real_landmarks_sit_on_the_detected_face(models, media_dir, name):
    detector, landmarker = models
    frame = read_rgb(media_dir / "images" / name)
    (face,) = detector.detect(frame)
    mesh = landmarker.mesh_in_frame(frame, face)
    assert mesh.presence > 0.9
    assert mesh.landmarks.shape == (NUM_LANDMARKS, 3)
    # eye corners and lips inside the (slightly grown) detection box, in the right order
    x0, y0, x1, y1 = face.box
    pad = 0.1 * face.width
    for i in (RIGHT_EYE_OUTER, LEFT_EYE_OUTER, UPPER_INNER_LIP, LOWER_INNER_LIP):
        x, y = mesh.landmarks[i, :2]
        assert x0 - pad <= x <= x1 + pad and y0 - pad <= y <= y1 + pad, i
    assert mesh.landmarks[RIGHT_EYE_OUTER, 0] < mesh.landmarks[LEFT_EYE_OUTER, 0]
    assert mesh.landmarks[UPPER_INNER_LIP, 1] > mesh.landmarks[RIGHT_EYE_OUTER, 1]
    assert 0 <= mesh.mouth_opening < 0.6


def test_real_mouth_opening_moves_while_a_grid_speaker_talks(models, media_dir):
    detector, landmarker = models
    openings = []
    for _name, frame in grid_frames(media_dir, every=1)[:75]:  # the first clip, 3 s of speech
        (face,) = detector.detect(frame)
        openings.append(landmarker.mesh_in_frame(frame, face).mouth_opening)
    openings = np.array(openings)
    # closed at rest, clearly open on some syllables
    assert openings.min() < 0.01 and openings.max() > 4 * max(openings.min(), 0.01)
