"""Looking closer than one squeezed frame allows: square crops of a frame for the face detector.

BlazeFace sees a 192x192 picture. A 16:9 frame squeezed into it shrinks about 6.7 times, and a
face then needs to be some 15 % of the frame's height to keep the ~16 model pixels the full-range
model finds reliably (measured on the portraits and GRID faces of ``../shared/media``: 12 px is
found with scores of 0.6 to 0.85, 16 px with 0.8 to 0.95). Two kinds of crop get closer:

``search_tiles``  a grid of overlapping squares, each half the frame's shorter side: a face of 4 %
                  of the frame's height is then about 15 model pixels. The overlap holds any face
                  too small for the whole-frame look, so each such face lies whole in some tile.
``around``        one square about a face found before, ``ROI_FACES`` face heights wide (the face
                  is ~36 model pixels there, well inside what the model sees best): the cheap look
                  that follows a face from frame to frame.

Crops are cut from the largest picture at hand and resized to the model's input, so every crop
of one request has one size; the detector's boxes are then mapped back with ``Crop.scale`` and
the crop's corner.
Everything here is numpy and Pillow; no model runs in this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MODEL_SIDE = 192  # BlazeFace full range's input
MIN_MODEL_FACE = 16  # model pixels a face needs to be found reliably (see the docstring)
TILE_FRACTION = 0.5  # a search tile's side, as a fraction of the frame's shorter side
ROI_FACES = 5.3  # the side of a crop about a known face, in face heights (-> ~36 model px)


@dataclass(frozen=True)
class Crop:
    """A square of the source frame: top-left corner and side, in source pixels; ``min_score``:
    the confidence a face found in it needs (None: the detector's own bar)."""

    x: float
    y: float
    side: float
    min_score: float | None = None

    @property
    def scale(self) -> float:
        """Model pixels per source pixel once the crop is resized to the model's input."""
        return MODEL_SIDE / self.side


def whole_frame_min_face(width: int, height: int) -> float:
    """The smallest face (pixels of height) the whole frame, squeezed into the model, shows at
    ``MIN_MODEL_FACE`` model pixels: smaller faces need a closer look."""
    return MIN_MODEL_FACE * max(width, height) / MODEL_SIDE


def _starts(length: float, side: float, overlap: float) -> list[float]:
    """Evenly spaced starts of ``side``-long windows covering ``[0, length]``, neighbours
    overlapping by at least ``overlap``."""
    if side >= length:
        return [0.0]
    count = math.ceil((length - side) / max(side - overlap, 1e-9)) + 1
    step = (length - side) / (count - 1)
    return [i * step for i in range(count)]


def search_tiles(width: int, height: int) -> list[Crop]:
    """The grid that searches a ``width`` x ``height`` frame for small faces, row by row.

    Tiles are ``TILE_FRACTION`` of the shorter side; neighbours overlap by the largest face the
    whole-frame look can miss, so that face lies whole inside one tile. A 16:9 frame takes 5 x 3
    tiles, a 4:3 one 4 x 3."""
    side = TILE_FRACTION * min(width, height)
    overlap = min(whole_frame_min_face(width, height) * 1.1, side * 0.6)
    return [Crop(x, y, side) for y in _starts(height, side, overlap) for x in _starts(width, side, overlap)]


def around(box: tuple[float, float, float, float], width: int, height: int, faces: float = ROI_FACES) -> Crop:
    """The square ``faces`` face heights wide centred on ``box`` (x0, y0, x1, y1), shifted to
    stay inside the frame (and never wider than its shorter side)."""
    x0, y0, x1, y1 = box
    size = max(x1 - x0, y1 - y0)
    side = min(max(size * faces, MODEL_SIDE / 4), min(width, height))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x = min(max(cx - side / 2, 0.0), width - side)
    y = min(max(cy - side / 2, 0.0), height - side)
    return Crop(x, y, side)


def cut(picture: np.ndarray, crops: list[Crop], scale: tuple[float, float], model_side: int = MODEL_SIDE) -> np.ndarray:
    """The ``crops`` (source pixels) cut from ``picture`` (an RGB frame with ``scale`` picture
    pixels per source pixel) and resized to ``model_side`` squares: ``(n, side, side, 3)`` uint8."""
    from PIL import Image

    image = Image.fromarray(picture)
    sx, sy = scale
    out = np.empty((len(crops), model_side, model_side, 3), dtype=np.uint8)
    for i, crop in enumerate(crops):
        box = (crop.x * sx, crop.y * sy, (crop.x + crop.side) * sx, (crop.y + crop.side) * sy)
        out[i] = np.asarray(image.resize((model_side, model_side), Image.Resampling.BILINEAR, box=box))
    return out
