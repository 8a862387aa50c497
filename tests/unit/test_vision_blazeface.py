"""BlazeFace: anchors, decoding, suppression and letterboxing, then the real models on real faces."""

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from streams.vision.blazeface import (
    FULL_RANGE, SHORT_RANGE, Detection, FaceDetector, Keypoint, Letterbox, anchors, decode, letterbox, pack,
    weighted_nms,
)
from streams.vision.frames import InvalidImages, validate_images

PORTRAITS = ("skimage_astronaut.png", "fr_obama.jpg", "fr_biden.jpg")


def read_rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def grid_frames(media_dir: Path, every: int = 5) -> list[tuple[str, np.ndarray]]:
    """Every ``every``-th frame of each GRID clip, as RGB arrays."""
    frames = []
    for clip in sorted((media_dir / "video" / "grid").glob("*.mpg")):
        with av.open(str(clip), options={"protocol_whitelist": "file"}) as container:
            for i, frame in enumerate(container.decode(video=0)):
                if i % every == 0:
                    frames.append((f"{clip.name}#{i}", frame.to_ndarray(format="rgb24")))
    return frames


@pytest.mark.parametrize(("spec", "count"), [(SHORT_RANGE, 896), (FULL_RANGE, 2304)])
def test_anchor_count_matches_each_model(spec, count):
    centres = anchors(spec)
    assert centres.shape == (count, 2)
    assert centres.min() > 0 and centres.max() < 1


def test_short_range_anchors_share_centres_per_cell():
    centres = anchors(SHORT_RANGE)
    # 16x16 cells with 2 anchors each, then 8x8 cells with 6 anchors each
    np.testing.assert_allclose(centres[0], centres[1])
    np.testing.assert_allclose(centres[0], [0.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(centres[512:518], np.tile([0.5 / 8, 0.5 / 8], (6, 1)))


def test_decode_places_box_and_keypoints_around_the_anchor():
    spec = FULL_RANGE
    centres = anchors(spec)
    raw_boxes = np.zeros((len(centres), 16), np.float32)
    raw_scores = np.full((len(centres), 1), -10.0, np.float32)
    k = 1000
    raw_boxes[k, :4] = [9.6, -19.2, 38.4, 19.2]  # centre +0.05, -0.1; size 0.2 x 0.1 of the input
    raw_boxes[k, 4:6] = [-19.2, 0.0]  # first keypoint 0.1 left of the anchor
    raw_scores[k] = 3.0
    boxes, keypoints, scores = decode(raw_boxes, raw_scores, spec)
    cx, cy = centres[k]
    np.testing.assert_allclose(boxes[k], [cx + 0.05 - 0.1, cy - 0.1 - 0.05, cx + 0.05 + 0.1, cy - 0.1 + 0.05], atol=1e-6)
    np.testing.assert_allclose(keypoints[k, 0], [cx - 0.1, cy], atol=1e-6)
    np.testing.assert_allclose(keypoints[k, 1], [cx, cy], atol=1e-6)
    assert scores[k] == pytest.approx(1 / (1 + np.exp(-3.0)), rel=1e-5)
    assert scores.argmax() == k and scores[k - 1] < 1e-4


def test_decode_does_not_overflow_on_extreme_logits():
    centres = anchors(SHORT_RANGE)
    raw_scores = np.full(len(centres), 1e6, np.float32)
    raw_scores[0] = -1e6
    _, _, scores = decode(np.zeros((len(centres), 16), np.float32), raw_scores, SHORT_RANGE)
    assert scores[1] == pytest.approx(1.0) and scores[0] == pytest.approx(0.0)


def test_weighted_nms_merges_overlapping_boxes_and_keeps_separate_ones():
    boxes = np.array([[0.10, 0.10, 0.30, 0.30], [0.12, 0.12, 0.32, 0.32], [0.60, 0.60, 0.80, 0.80]], np.float32)
    keypoints = np.zeros((3, 6, 2), np.float32)
    keypoints[1] += 0.5
    scores = np.array([0.9, 0.6, 0.7], np.float32)
    faces = weighted_nms(boxes, keypoints, scores, iou_threshold=0.3)
    assert [f.score for f in faces] == pytest.approx([0.9, 0.7])
    merged = faces[0]
    # score-weighted mean of the two overlapping candidates
    np.testing.assert_allclose(merged.box, (boxes[0] * 0.9 + boxes[1] * 0.6) / 1.5, atol=1e-6)
    np.testing.assert_allclose(merged.keypoints, np.full((6, 2), 0.5 * 0.6 / 1.5), atol=1e-6)
    np.testing.assert_allclose(faces[1].box, boxes[2])


def test_weighted_nms_of_nothing_is_nothing():
    assert weighted_nms(np.zeros((0, 4)), np.zeros((0, 6, 2)), np.zeros(0)) == []


@pytest.mark.parametrize(("width", "height"), [(640, 360), (360, 640), (360, 288), (512, 512), (7, 3)])
def test_letterbox_mapping_round_trips(width, height):
    box = Letterbox.fit(width, height, 192)
    points = np.array([[0, 0], [width, height], [width / 3, height / 2]], np.float32)
    np.testing.assert_allclose(box.to_frame(box.to_model(points)), points, atol=1e-3)
    corners = box.to_model(np.array([[0, 0], [width, height]], np.float32))
    assert corners.min() >= -1e-6 and corners.max() <= 1 + 1e-6
    # the longer side fills the input; the shorter one is centred
    assert max(corners[1] - corners[0]) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose((corners[0] + corners[1]) / 2, [0.5, 0.5], atol=1 / 192)


def test_letterbox_pads_with_black_and_scales_to_minus_one_one():
    frame = np.full((90, 160, 3), 255, np.uint8)
    tensor, box = letterbox(frame, 128)
    assert tensor.shape == (1, 128, 128, 3) and tensor.dtype == np.float32
    assert box.pad_x == 0 and box.pad_y == 28  # 90 rows become 72 of 128
    assert tensor[0, 0, 0, 0] == -1.0 and tensor[0, 64, 64, 0] == pytest.approx(1.0)


def test_pack_pads_to_a_fixed_number_of_faces_best_first():
    faces = [Detection((i, i, i + 1, i + 1), s, np.full((6, 2), i, np.float32)) for i, s in enumerate([0.7, 0.9, 0.8])]
    boxes, scores, keypoints, count = pack(faces, 2)
    assert count == 2 and boxes.shape == (2, 4) and keypoints.shape == (2, 6, 2)
    assert scores.tolist() == pytest.approx([0.9, 0.8])
    boxes, scores, keypoints, count = pack([], 8)
    assert count == 0 and not boxes.any() and not scores.any()


@pytest.mark.parametrize("bad", [
    np.zeros((1, 10, 10, 3), np.float32),
    np.zeros((1, 10, 10, 4), np.uint8),
    np.zeros((0, 10, 10, 3), np.uint8),
    np.zeros((1, 0, 10, 3), np.uint8),
    np.zeros((1, 5000, 10, 3), np.uint8),
    np.zeros((10,), np.uint8),
])
def test_validate_images_refuses_bad_input(bad):
    with pytest.raises(InvalidImages):
        validate_images(bad)


# The real models --------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[SHORT_RANGE, FULL_RANGE], ids=["short", "full"])
def detector(request):
    return FaceDetector(request.param)


def assert_face_parts_inside(face: Detection) -> None:
    for part in (Keypoint.RIGHT_EYE, Keypoint.LEFT_EYE, Keypoint.MOUTH):
        assert face.contains(face.keypoints[part]), (part.name, face.box, face.keypoints[part])


@pytest.mark.parametrize("name", PORTRAITS)
def test_real_model_finds_the_one_face_in_each_portrait(detector, media_dir, name):
    frame = read_rgb(media_dir / "images" / name)
    faces = detector.detect(frame)
    assert len(faces) == 1, faces
    face = faces[0]
    assert face.score > 0.75
    assert_face_parts_inside(face)
    # upright portrait: eyes level-ish, right eye on the image's left, mouth below the nose
    right, left = face.keypoints[Keypoint.RIGHT_EYE], face.keypoints[Keypoint.LEFT_EYE]
    assert right[0] < left[0]
    assert face.keypoints[Keypoint.MOUTH][1] > face.keypoints[Keypoint.NOSE_TIP][1] > right[1]
    assert 0 <= face.box[0] < face.box[2] <= frame.shape[1]


@pytest.fixture(scope="module")
def grid(media_dir):
    return grid_frames(media_dir)


def test_real_model_finds_one_face_in_grid_frames(detector, grid):
    assert len(grid) >= 100
    good = 0
    for _name, frame in grid:
        faces = detector.detect(frame)
        if len(faces) == 1 and all(faces[0].contains(faces[0].keypoints[p])
                                   for p in (Keypoint.RIGHT_EYE, Keypoint.LEFT_EYE, Keypoint.MOUTH)):
            good += 1
    assert good / len(grid) >= 0.98, f"{good}/{len(grid)} frames with exactly one well-placed face"


def test_detect_batch_equals_detect_one_by_one(grid):
    detector = FaceDetector(FULL_RANGE)
    frames = np.stack([frame for _, frame in grid[:4]])
    batch = detector.detect_batch(frames)
    for frame, faces in zip(frames, batch):
        single = detector.detect(frame)
        np.testing.assert_allclose([f.box for f in faces], [f.box for f in single], rtol=1e-6)
