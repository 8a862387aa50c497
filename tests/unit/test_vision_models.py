"""The face models the media code is handed (streams.vision.face_models): run in process on the packaged
weights, they answer in the shapes Triton's face_detector and face_landmarks answer in."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from streams.vision.landmarks import crop_from_detection, extract
from streams.vision.face_models import Detections, InProcessFaceModels
from tests.unit.test_vision_blazeface import grid_frames


@pytest.fixture(scope="module")
def models() -> InProcessFaceModels:
    return InProcessFaceModels(threads=1)


@pytest.fixture(scope="module")
def frames(media_dir) -> np.ndarray:
    return np.stack([frame for _, frame in grid_frames(media_dir, every=25)[:3]])


def test_the_detector_answers_padded_like_triton_with_one_face_per_grid_frame(models, frames):
    found = asyncio.run(models.detect_faces(frames))
    n, height, width = len(frames), frames.shape[1], frames.shape[2]
    assert isinstance(found, Detections)
    assert found.boxes.shape == (n, 8, 4) and found.scores.shape == (n, 8)
    assert found.keypoints.shape == (n, 8, 6, 2) and found.counts.shape == (n, 1)
    assert found.boxes.dtype == np.float32 and found.counts.dtype == np.int32
    assert found.counts.reshape(-1).tolist() == [1] * n
    for boxes in found.boxes:
        x0, y0, x1, y1 = boxes[0]
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        assert not boxes[1:].any()  # zeros after the count


def test_landmarks_of_detected_faces_are_present_and_an_empty_crop_is_not(models, frames):
    from streams.vision.blazeface import Detection

    found = asyncio.run(models.detect_faces(frames[:1]))
    face = Detection(tuple(found.boxes[0, 0]), float(found.scores[0, 0]), found.keypoints[0, 0])
    crop = extract(frames[0], crop_from_detection(face))
    faces = np.stack([crop, np.zeros_like(crop)])
    points, presence = asyncio.run(models.face_landmarks(faces))
    assert points.shape == (2, 468, 3) and presence.shape == (2,)
    assert presence[0] > 0.5 > presence[1]


def test_concurrent_calls_share_the_interpreters_one_at_a_time(models, frames):
    async def together():
        return await asyncio.gather(*(models.detect_faces(frames[i:i + 1]) for i in range(len(frames))))

    alone = asyncio.run(models.detect_faces(frames))
    for i, answer in enumerate(asyncio.run(together())):
        np.testing.assert_allclose(answer.boxes[0], alone.boxes[i], atol=1e-3)
