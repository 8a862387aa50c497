"""How a stretch of video is looked at (``GlanceOptions``): what the worker asks of the media
sandbox's look (``streams.media.sandbox.look``) and what the sandboxed side reads back
(``streams.media.onscreen``). Apart from both, so neither imports the other for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.media.reframe.scenes import SceneOptions
from streams.media.reframe.tracking import TrackingRules

MAX_SIDE = 8192  # the widest or tallest picture handed out for detection or cropping

# Full frames for face crops are at most this wide. The landmark model sees a 192x192 crop of
# about 1.5 face heights, so a face under ~130 px tall here (~190 px in a 1080p source) loses no
# detail it would use; and a 1080p frame crosses from the sandbox as 2.7 MB instead of 6.2 MB
# (bench/look_isolation.py).
FULL_WIDTH = 1280


@dataclass(frozen=True)
class GlanceOptions:
    """How a stretch of video is looked at.

    Attributes:
        fps: frames sent to the face detector per second of video.
        detect_width: those frames are shrunk to at most this many pixels wide.
        skip_nonref: decode only the frames other frames are predicted from (about half the
            decoding; cuts a frame or two late).
        scene: the cut detector's settings.
        faces: which detections count as a face on screen.
        deblock: keep the decoder's in-loop deblocking filter (skipped by default: neither the cut
            detector nor a 640-pixel detection frame needs it; a face crop for landmarks does).
        full_width: also hand out each sampled frame at most this many pixels wide, for cutting
            faces out of (0: none; small faces are then searched for in the detection frame,
            which shows them at half the detail or less).
        threads: decoder threads (0: FFmpeg's choice).
    """

    fps: float = 1.0
    detect_width: int = 640
    skip_nonref: bool = True
    scene: SceneOptions = field(default_factory=SceneOptions)
    faces: TrackingRules = field(default_factory=TrackingRules)
    deblock: bool = False
    full_width: int = FULL_WIDTH
    threads: int = 0

    def __post_init__(self) -> None:
        if not self.fps > 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if not 0 < self.detect_width <= MAX_SIDE or not 0 <= self.full_width <= MAX_SIDE:
            raise ValueError(f"detect_width and full_width must be at most {MAX_SIDE} pixels")

    @classmethod
    def from_json(cls, value: dict) -> GlanceOptions:
        """The options ``dataclasses.asdict`` made ``value`` of (the sandbox's request)."""
        return cls(**{**value, "scene": SceneOptions(**value["scene"]), "faces": TrackingRules(**value["faces"])})
