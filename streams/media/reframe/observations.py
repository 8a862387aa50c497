"""What the reframer knows about a stretch of video: plain data shared by the detection adapters
(``sampling``, ``scenes``) and the pure planning code (``tracking``, ``speaker``, ``camera``,
``layout``). Coordinates are pixels of the source frame, times are seconds in the source video.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in source pixels (x to the right, y down)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def iou(self, other: Box) -> float:
        ix = max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))
        iy = max(0.0, min(self.y1, other.y1) - max(self.y0, other.y0))
        inter = ix * iy
        union = self.width * self.height + other.width * other.height - inter
        return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class Face:
    """One detected face.

    Attributes:
        box: the face box.
        score: detector confidence, 0-1.
        keypoints: BlazeFace's six points (right eye, left eye, nose tip, mouth, right ear tragion,
            left ear tragion) as (x, y) pixels.
        mouth_open: lip gap divided by the distance between the outer eye corners
            (``streams.vision.landmarks.mouth_opening``: about 0.02 closed, 0.3 wide open; None: not
            measured).
    """

    box: Box
    score: float
    keypoints: tuple[tuple[float, float], ...] = ()
    mouth_open: float | None = None


@dataclass(frozen=True)
class FrameFaces:
    """The faces found on the frame shown at time ``t``."""

    t: float
    faces: tuple[Face, ...]


@dataclass(frozen=True)
class Source:
    """The source video's geometry: frame size in pixels and frame rate."""

    width: int
    height: int
    fps: float


@dataclass(frozen=True)
class Loudness:
    """Speech loudness over time, e.g. the RMS envelope of the audio.

    Attributes:
        hop_seconds: time between values.
        start: source time where the first value's hop begins.
        values: one level per hop; ``values[i]`` covers ``[start + i*hop, start + (i+1)*hop)``.
    """

    hop_seconds: float
    start: float
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.hop_seconds > 0:
            raise ValueError(f"hop_seconds must be positive, got {self.hop_seconds}")
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))

    def at(self, times: Sequence[float] | np.ndarray) -> np.ndarray:
        """The level at each time, interpolated between hop centres and held past the ends."""
        if not self.values:
            return np.zeros(len(times))
        centres = self.start + (np.arange(len(self.values)) + 0.5) * self.hop_seconds
        return np.interp(np.asarray(times, dtype=float), centres, np.asarray(self.values))
