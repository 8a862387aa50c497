"""Face Mesh landmarks: the crop around a detected face, decoding the 468 points, mouth opening.

MediaPipe's face landmark model takes a 192x192 RGB crop in [0, 1] (the face upright and filling
about two thirds of it) and returns 468 (x, y, z) points in crop pixels plus a face-presence logit.
The crop comes from a BlazeFace detection: its box centre, ``margin`` times its longer side, and
optionally turned so the eyes are level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from streams.vision.blazeface import Detection, Keypoint, sigmoid
from streams.vision.runtime import TFLiteModel, packaged_model

LANDMARK_FILE = "face_landmark.tflite"
INPUT_SIZE = 192
NUM_LANDMARKS = 468
CROP_MARGIN = 1.5  # MediaPipe's rect scale from a detection box to a landmark crop

# Face Mesh indices used here
UPPER_INNER_LIP, LOWER_INNER_LIP = 13, 14
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263


@dataclass(frozen=True)
class FaceCrop:
    """A square region of a frame, possibly turned, that becomes the landmark model's input.

    Attributes:
        center: (x, y) of the crop centre in frame pixels.
        side: length of the crop's side in frame pixels.
        rotation: angle of the crop's x axis in the frame, in radians (image axes, y down, so a
            positive angle turns clockwise on screen); 0 keeps the crop upright.
        size: side of the crop image in pixels.
    """

    center: tuple[float, float]
    side: float
    rotation: float = 0.0
    size: int = INPUT_SIZE

    def to_frame_matrix(self) -> np.ndarray:
        """2x3 affine matrix: crop pixels (x, y, 1) → frame pixels."""
        k = self.side / self.size
        c, s = math.cos(self.rotation) * k, math.sin(self.rotation) * k
        half = self.size / 2
        cx, cy = self.center
        return np.array([[c, -s, cx - c * half + s * half], [s, c, cy - s * half - c * half]], dtype=np.float64)

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Points ``(..., 2)`` or ``(..., 3)`` in crop pixels → frame pixels (z scaled like x, y)."""
        points = np.asarray(points, dtype=np.float64)
        m = self.to_frame_matrix()
        xy = points[..., :2] @ m[:, :2].T + m[:, 2]
        if points.shape[-1] == 3:
            return np.concatenate([xy, points[..., 2:] * (self.side / self.size)], axis=-1).astype(np.float32)
        return xy.astype(np.float32)

    def to_crop(self, points: np.ndarray) -> np.ndarray:
        """Frame pixels ``(..., 2)`` → crop pixels (the inverse of ``to_frame`` for x, y)."""
        m = self.to_frame_matrix()
        inverse = np.linalg.inv(np.vstack([m, [0, 0, 1]]))[:2]
        points = np.asarray(points, dtype=np.float64)
        return (points @ inverse[:, :2].T + inverse[:, 2]).astype(np.float32)


def crop_from_detection(
    face: Detection, margin: float = CROP_MARGIN, rotate: bool = True, size: int = INPUT_SIZE
) -> FaceCrop:
    """The landmark crop for a detected face: centred on its box, ``margin`` times the box's
    longer side, turned so the eyes are level when ``rotate``."""
    x0, y0, x1, y1 = face.box
    rotation = 0.0
    if rotate:
        right, left = face.keypoints[Keypoint.RIGHT_EYE], face.keypoints[Keypoint.LEFT_EYE]
        rotation = math.atan2(float(left[1] - right[1]), float(left[0] - right[0]))
    return FaceCrop(((x0 + x1) / 2, (y0 + y1) / 2), max(x1 - x0, y1 - y0) * margin, rotation, size)


def extract(frame: np.ndarray, crop: FaceCrop) -> np.ndarray:
    """The crop's pixels ``(size, size, 3)`` uint8; outside the frame is black."""
    from PIL import Image

    m = crop.to_frame_matrix()
    # Pillow samples input pixel (x, y) at its centre (x + 0.5, y + 0.5); the matrix uses corners
    # at integers, which is the same convention for both sides, so the matrix is used as is.
    data = (m[0, 0], m[0, 1], m[0, 2], m[1, 0], m[1, 1], m[1, 2])
    image = Image.fromarray(frame).transform(
        (crop.size, crop.size), Image.Transform.AFFINE, data, Image.Resampling.BILINEAR
    )
    return np.asarray(image)


def landmark_input(face_image: np.ndarray) -> np.ndarray:
    """An RGB uint8 crop of any size → the model input ``(1, 192, 192, 3)`` float32 in [0, 1].
    A crop that is not square is stretched; give square crops."""
    from PIL import Image

    if face_image.shape[:2] != (INPUT_SIZE, INPUT_SIZE):
        face_image = np.asarray(Image.fromarray(face_image).resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR))
    return face_image.astype(np.float32)[np.newaxis] / 255.0


def decode_landmarks(raw: np.ndarray, crop_width: int, crop_height: int) -> np.ndarray:
    """Raw ``1404`` values (468 x, y, z in model-input pixels) → ``(468, 3)`` in the pixels of a
    crop ``crop_width`` x ``crop_height`` (z scaled like x)."""
    points = np.asarray(raw, dtype=np.float32).reshape(NUM_LANDMARKS, 3)
    scale = np.array([crop_width, crop_height, crop_width], dtype=np.float32) / INPUT_SIZE
    return points * scale


def mouth_opening(landmarks: np.ndarray) -> float:
    """How open the mouth is: the gap between the inner lips (points 13 and 14) over the distance
    between the outer eye corners (33 and 263), so it does not depend on the face's size in the
    frame. About 0 when closed, 0.3 or more wide open."""
    points = np.asarray(landmarks, dtype=np.float64)[:, :2]
    eyes = np.linalg.norm(points[RIGHT_EYE_OUTER] - points[LEFT_EYE_OUTER])
    if eyes <= 0:
        return 0.0
    return float(np.linalg.norm(points[UPPER_INNER_LIP] - points[LOWER_INNER_LIP]) / eyes)


@dataclass(frozen=True)
class FaceMesh:
    """Landmarks of one face.

    Attributes:
        landmarks: ``(468, 3)`` (x, y, z) in the pixels of the image they were found in.
        presence: the model's confidence that a face is in the crop, in [0, 1].
    """

    landmarks: np.ndarray
    presence: float

    @property
    def mouth_opening(self) -> float:
        return mouth_opening(self.landmarks)


class FaceLandmarker:
    """The face landmark model. ``mesh`` is safe to call from one thread at a time."""

    def __init__(self, threads: int = 0) -> None:
        self._model = TFLiteModel(packaged_model(LANDMARK_FILE), threads)

    def mesh(self, face_image: np.ndarray) -> FaceMesh:
        """Landmarks in the pixels of ``face_image`` (an RGB uint8 crop ``(h, w, 3)``)."""
        outputs = self._model.run(landmark_input(face_image))
        raw = next(o for o in outputs if o.size == NUM_LANDMARKS * 3)
        logit = next(o for o in outputs if o.size == 1)
        height, width = face_image.shape[:2]
        return FaceMesh(decode_landmarks(raw, width, height), float(sigmoid(logit.reshape(()))))

    def mesh_in_frame(self, frame: np.ndarray, face: Detection, rotate: bool = True) -> FaceMesh:
        """Landmarks of a detected face, in frame pixels."""
        crop = crop_from_detection(face, rotate=rotate)
        found = self.mesh(extract(frame, crop))
        return FaceMesh(crop.to_frame(found.landmarks), found.presence)
