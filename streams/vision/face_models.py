"""What the media code asks of the face models, whoever serves them.

``streams.media`` stays pure: the reframer and the moments' glance call a ``FaceModels`` passed in.
The pipeline passes ``streams.adapters.triton.TritonClient``, which serves both models from Triton
(``face_detector``: BlazeFace full-range; ``face_landmarks``: Face Mesh); ``InProcessFaceModels``
runs the same weights in the calling process. Both answer through ``detections`` and
``landmarks``, so the two give the same faces.
"""

from __future__ import annotations

import asyncio
import threading
from typing import NamedTuple, Protocol

import numpy as np


class Detections(NamedTuple):
    """The detector's answer for ``n`` images: per image up to ``k`` faces (8 on Triton), best
    first, of which the first ``counts[i]`` are real (zeros after).

    Attributes:
        boxes: ``(n, k, 4)`` corners ``x0, y0, x1, y1`` in the input image's pixels.
        scores: ``(n, k)`` confidences.
        keypoints: ``(n, k, 6, 2)`` right eye, left eye, nose tip, mouth, right ear, left ear, in the
            same pixels.
        counts: ``(n, 1)`` faces found per image.
    """

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray
    counts: np.ndarray


class FaceModels(Protocol):
    async def detect_faces(self, images: np.ndarray) -> Detections:
        """Faces in each of ``images``, ``(n, h, w, 3)`` RGB uint8 (n up to the server's batch)."""
        ...

    async def face_landmarks(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``faces``, ``(n, s, s, 3)`` RGB uint8 square crops, the face upright and about
        2/3 of the side (``landmarks.crop_from_detection``): its 468 landmarks ``(n, 468, 3)`` in
        crop pixels, and the score ``(n,)`` that a face is there at all."""
        ...


def detections(detector, frames: np.ndarray, max_faces: int) -> Detections:
    """What ``detector`` (a ``blazeface.FaceDetector``) finds on ``frames``, padded to ``max_faces``
    per frame: the answer Triton's ``face_detector`` sends and an in-process run returns alike."""
    from streams.vision.blazeface import pack

    packed = [pack(faces, max_faces) for faces in detector.detect_batch(frames)]
    boxes, scores, keypoints, counts = (np.stack(column) for column in zip(*packed))
    return Detections(
        boxes.astype(np.float32),
        scores.astype(np.float32),
        keypoints.astype(np.float32),
        counts.astype(np.int32).reshape(-1, 1),
    )


def landmarks(landmarker, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``landmarker``'s (a ``landmarks.FaceLandmarker``) points ``(n, 468, 3)`` and presence scores
    ``(n,)`` for each face crop of ``faces``."""
    meshes = [landmarker.mesh(face) for face in faces]
    return (
        np.stack([m.landmarks for m in meshes]).astype(np.float32),
        np.array([m.presence for m in meshes], dtype=np.float32),
    )


# The lowest confidence face_detector answers with (its config.pbtxt's score_threshold): the
# lowest bar any caller keeps a face at (streams.media.reframe.finder.KEEP_SCORE, a followed face);
# each caller applies its own bar above it.
ANSWERED_SCORE = 0.45


class InProcessFaceModels:
    """The same two models run in this process, on the packaged TFLite weights (``vision.runtime``),
    off the event loop: what a tool or a test uses where no Triton server runs. The pipeline serves
    them from Triton (``adapters.triton.TritonClient``), which batches callers together."""

    MAX_FACES = 8  # as face_detector's config.pbtxt declares

    def __init__(self, threads: int = 0) -> None:
        from streams.vision.blazeface import FULL_RANGE, FaceDetector
        from streams.vision.landmarks import FaceLandmarker

        # face_detector's config: full range, answering down to ANSWERED_SCORE, NMS at its default
        self.detector = FaceDetector(FULL_RANGE, min_score=ANSWERED_SCORE, threads=threads)
        self.landmarker = FaceLandmarker(threads=threads)
        self._one_at_a_time = threading.Lock()  # an interpreter runs one call at a time

    async def detect_faces(self, images: np.ndarray) -> Detections:
        return await asyncio.to_thread(self._locked, detections, self.detector, images, self.MAX_FACES)

    async def face_landmarks(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return await asyncio.to_thread(self._locked, landmarks, self.landmarker, faces)

    def _locked(self, call, *args):
        with self._one_at_a_time:
            return call(*args)
