"""What the renderer follows to frame a clip (``ReframePlan``): the layout, each panel's crop path
over time and the faces it keeps in view; made by ``streams.media.reframe.layout``."""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from typing import Any, Sequence

from streams.media.reframe.camera import CropKeyframe, cut_between
from streams.media.reframe.observations import Source
from streams.media.reframe.speaker import Turn


@dataclass(frozen=True)
class Framing:
    """How close a single crop is on its speaker.

    Attributes:
        zoom: the frame's height over the crop's (1: a full-height crop).
        face_share: the speaker's (median) face height over the crop's height.
        wanted: the face share ``ReframeRules.face_share`` asked for (at least ``face_share``).
        upscale: output pixels per source pixel.
        soft: the source is too small for the zoom wanted: the crop stops at ``max_upscale``.
    """

    zoom: float
    face_share: float
    wanted: float
    upscale: float
    soft: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "zoom": round(self.zoom, 3),
            "face_share": round(self.face_share, 3),
            "wanted": round(self.wanted, 3),
            "upscale": round(self.upscale, 3),
            "soft": self.soft,
        }


@dataclass(frozen=True)
class ReframePlan:
    """How to reframe ``[start, end]`` of the source.

    Attributes:
        layout: ``single``, ``split``, ``fit`` or ``still`` (one still picture, drawn as a cover).
        aspect: a key of ``ASPECTS``.
        source: the source's geometry.
        start, end: the clip, source seconds.
        crop_width, crop_height: the crop (each panel's, for ``split``; the whole frame for
            ``fit`` and ``still``), even source pixels.
        keyframes: crop centre path (``single``; the top panel for ``split``; empty otherwise).
        second: the bottom panel's path for ``split``, else empty.
        cuts: times the crop jumps instead of moving smoothly (scene cuts, far speaker changes).
        speakers: the speaker timeline.
        panels: the track ids followed by the top and bottom panels (``split`` only).
        faces: ``(t, x0, y0, x1, y1)`` boxes of the faces the plan shows, as detected on the
            sampled frames of the clip: the active speaker's during their turn (``single``), both
            panels' (``split``), every tracked face (``fit``). The thumbnail looks for them.
        framing: how close a ``single`` crop is on the speaker (None for the other layouts).
    """

    layout: str
    aspect: str
    source: Source
    start: float
    end: float
    crop_width: int
    crop_height: int
    keyframes: tuple[CropKeyframe, ...] = ()
    second: tuple[CropKeyframe, ...] = ()
    cuts: tuple[float, ...] = ()
    speakers: tuple[Turn, ...] = ()
    panels: tuple[int, ...] = ()
    faces: tuple[tuple[float, float, float, float, float], ...] = ()
    framing: Framing | None = None

    def _path(self, panel: int) -> tuple[CropKeyframe, ...]:
        if panel not in (0, 1):
            raise ValueError(f"panel must be 0 (top/single) or 1 (bottom), got {panel}")
        return self.keyframes if panel == 0 else self.second

    def center_at(self, t: float, panel: int = 0) -> tuple[float, float]:
        """The crop centre at source time ``t``: linear between keyframes, a step at a cut, held
        outside the path; the frame centre without keyframes."""
        path = self._path(panel)
        if not path:
            return self.source.width / 2, self.source.height / 2
        times = [k.t for k in path]
        i = bisect.bisect_right(times, t) - 1
        if i < 0:
            return path[0].cx, path[0].cy
        if i >= len(path) - 1:
            return path[-1].cx, path[-1].cy
        a, b = path[i], path[i + 1]
        j = bisect.bisect_right(self.cuts, a.t)
        if j < len(self.cuts) and self.cuts[j] <= b.t:
            return (a.cx, a.cy) if t < self.cuts[j] else (b.cx, b.cy)
        f = (t - a.t) / (b.t - a.t) if b.t > a.t else 0.0
        return a.cx + f * (b.cx - a.cx), a.cy + f * (b.cy - a.cy)

    def box_at(self, t: float, panel: int = 0) -> tuple[int, int, int, int]:
        """The crop ``(x, y, width, height)`` at ``t``: integer pixels, inside the frame."""
        cx, cy = self.center_at(t, panel)
        w, h = self.crop_width, self.crop_height
        x = min(max(round(cx - w / 2), 0), self.source.width - w)
        y = min(max(round(cy - h / 2), 0), self.source.height - h)
        return max(x, 0), max(y, 0), w, h

    def as_json(self) -> dict[str, Any]:
        """The plan as plain JSON types, for editors."""

        def path(ks: Sequence[CropKeyframe]) -> list[list[float]]:
            return [[round(k.t, 4), round(k.cx, 2), round(k.cy, 2)] for k in ks]

        return {
            "layout": self.layout,
            "aspect": self.aspect,
            "source": {"width": self.source.width, "height": self.source.height, "fps": self.source.fps},
            "start": self.start,
            "end": self.end,
            "crop": {"width": self.crop_width, "height": self.crop_height},
            "keyframes": path(self.keyframes),
            "second": path(self.second),
            "cuts": [round(c, 4) for c in self.cuts],
            "speakers": [
                {"start": round(s.start, 3), "end": round(s.end, 3), "track": s.track_id} for s in self.speakers
            ],
            "panels": list(self.panels),
            "framing": None if self.framing is None else self.framing.as_json(),
        }


def speed_profile(plan: ReframePlan, panel: int = 0) -> list[float]:
    """Crop-centre speed (source px/s) between consecutive keyframes of a path, leaving out the
    intervals that contain a cut."""
    path = plan._path(panel)
    speeds = []
    for a, b in itertools.pairwise(path):
        if b.t > a.t and not cut_between(plan.cuts, a.t, b.t):
            speeds.append(math.hypot(b.cx - a.cx, b.cy - a.cy) / (b.t - a.t))
    return speeds
