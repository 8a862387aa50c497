"""A hand-written reframe plan for render tests that set the crop path themselves instead of
detecting faces: ``FakePlan`` stands in for ``streams.media.reframe.layout.ReframePlan`` (the
renderer reads a plan by attribute); ``Key`` is the real ``reframe.camera.CropKeyframe``."""

from __future__ import annotations

from dataclasses import dataclass

from streams.media.reframe.camera import CropKeyframe


Key = CropKeyframe  # the real keyframe: crop centre (source px) at source time t


@dataclass(frozen=True)
class FakePlan:
    """Stands in for streams.media.reframe.layout.ReframePlan (read by attribute by the renderer)."""

    layout: str
    crop_width: int
    crop_height: int
    keyframes: tuple = ()
    second: tuple = ()
    cuts: tuple = ()
    aspect: str = "9:16"
    framing: object | None = None  # a layout.Framing for single crops
