"""The face models through the real Triton server: ready, finding faces, refusing bad input."""

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from streams.vision.blazeface import Detection, Keypoint
from streams.vision.landmarks import crop_from_detection, extract
from tests.unit.test_vision_blazeface import grid_frames

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(stack):
    c = httpclient.InferenceServerClient(stack.triton_http_url.removeprefix("http://"), network_timeout=120)
    yield c
    c.close()


@pytest.fixture(scope="module")
def frames(media_dir):
    """4 frames from different GRID clips (one size: 360x288)."""
    every_clip = grid_frames(media_dir, every=75)
    return np.stack([frame for _, frame in every_clip[:4]])


def infer(client, model, name, array, outputs):
    inp = httpclient.InferInput(name, list(array.shape), "UINT8" if array.dtype == np.uint8 else "FP32")
    inp.set_data_from_numpy(array)
    result = client.infer(model, [inp], outputs=[httpclient.InferRequestedOutput(o) for o in outputs])
    return {o: result.as_numpy(o) for o in outputs}


def test_both_face_models_are_ready(client):
    assert client.is_model_ready("face_detector")
    assert client.is_model_ready("face_landmarks")


def test_face_detector_finds_one_face_in_each_of_a_batch_of_four(client, frames):
    out = infer(client, "face_detector", "FRAMES", frames, ["BOXES", "SCORES", "KEYPOINTS", "COUNT"])
    assert out["BOXES"].shape == (4, 8, 4) and out["KEYPOINTS"].shape == (4, 8, 6, 2)
    assert out["COUNT"].reshape(-1).tolist() == [1, 1, 1, 1]
    for boxes, scores, keypoints in zip(out["BOXES"], out["SCORES"], out["KEYPOINTS"]):
        face = Detection(tuple(boxes[0]), float(scores[0]), keypoints[0])
        assert face.score > 0.6 and not scores[1:].any()
        for part in (Keypoint.RIGHT_EYE, Keypoint.LEFT_EYE, Keypoint.MOUTH):
            assert face.contains(face.keypoints[part])


def test_face_landmarks_on_crops_from_the_detector(client, frames):
    out = infer(client, "face_detector", "FRAMES", frames, ["BOXES", "SCORES", "KEYPOINTS"])
    crops = np.stack([
        extract(frame, crop_from_detection(Detection(tuple(b[0]), float(s[0]), k[0])))
        for frame, b, s, k in zip(frames, out["BOXES"], out["SCORES"], out["KEYPOINTS"])
    ])
    result = infer(client, "face_landmarks", "FACES", crops, ["LANDMARKS", "PRESENCE"])
    assert result["LANDMARKS"].shape == (4, 468, 3)
    assert (result["PRESENCE"] > 0.9).all()
    xy = result["LANDMARKS"][..., :2]
    assert xy.min() > 0 and xy.max() < crops.shape[1]


@pytest.mark.parametrize(("model", "name", "array"), [
    ("face_detector", "FRAMES", np.zeros((1, 0, 10, 3), np.uint8)),
    ("face_detector", "FRAMES", np.zeros((1, 5000, 8, 3), np.uint8)),
    ("face_detector", "FRAMES", np.zeros((1, 10, 10, 3), np.float32)),
    ("face_detector", "FRAMES", np.zeros((1, 10, 10, 4), np.uint8)),
    ("face_landmarks", "FACES", np.zeros((2, 10, 0, 3), np.uint8)),
    ("face_landmarks", "FACES", np.zeros((1, 10, 10), np.uint8)),
])
def test_bad_input_is_refused_and_the_server_stays_healthy(client, model, name, array):
    with pytest.raises(InferenceServerException) as err:
        outputs = ["COUNT"] if model == "face_detector" else ["PRESENCE"]
        infer(client, model, name, array, outputs)
    assert err.value.status() in ("400", "StatusCode.INVALID_ARGUMENT"), err.value
    assert client.is_server_ready() and client.is_model_ready(model)


def test_server_still_detects_after_bad_input(client, frames):
    out = infer(client, "face_detector", "FRAMES", frames[:1], ["COUNT"])
    assert out["COUNT"].reshape(-1).tolist() == [1]
