"""Faces linked across sampled frames into tracks.

Detections on consecutive samples are matched greedily, cheapest pair first. The cost of a pair
is the distance from the detection's centre to where the track was heading (its last centre plus
its recent velocity), in face sizes, minus the boxes' IoU; pairs farther than
``TrackingRules.max_shift`` face sizes, or whose sizes differ by more than ``max_scale``, never
match. A track survives missed detections for ``max_gap_seconds`` and never crosses a scene cut.
Tiny faces, weak detections and tracks seen too briefly are dropped.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from streams.media.reframe.finder import KEEP_SCORE
from streams.media.reframe.observations import Box, FrameFaces


@dataclass(frozen=True)
class TrackingRules:
    """Attributes:
    min_score: detections below this confidence are ignored (the sampling has already judged
        them: at ``finder.ACQUIRE_SCORE``, a followed face found again at ``KEEP_SCORE``).
    min_face_fraction: faces shorter than this fraction of the frame height are ignored.
    max_shift: the farthest a face may land from its predicted centre, in face sizes
        (the square root of the box area), plus ``shift_per_second`` for each second missed.
    shift_per_second: extra allowance per second since the track was last seen.
    max_scale: the largest ratio between the sizes of a track's last box and a new one.
    max_gap_seconds: how long a track waits for its face to be detected again.
    min_seconds: tracks spanning less time than this are dropped.
    min_samples: tracks with fewer detections than this are dropped.
    """

    min_score: float = KEEP_SCORE
    min_face_fraction: float = 0.03
    max_shift: float = 1.5
    shift_per_second: float = 2.0
    max_scale: float = 1.6
    max_gap_seconds: float = 1.0
    min_seconds: float = 0.5
    min_samples: int = 3


@dataclass(frozen=True)
class Track:
    """One face followed over time.

    Attributes:
        id: position of the track among those returned, from 0, in order of first appearance.
        times: the source times it was detected at, increasing.
        boxes: its box at each of ``times``.
        mouth_open: its mouth opening at each of ``times`` (None: not measured).
    """

    id: int
    times: tuple[float, ...]
    boxes: tuple[Box, ...]
    mouth_open: tuple[float | None, ...]
    _cx: np.ndarray = field(init=False, repr=False, compare=False)
    _cy: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cx", np.array([b.cx for b in self.boxes], dtype=float))
        object.__setattr__(self, "_cy", np.array([b.cy for b in self.boxes], dtype=float))

    @property
    def start(self) -> float:
        return self.times[0]

    @property
    def end(self) -> float:
        return self.times[-1]

    @property
    def size(self) -> float:
        """Median face size (square root of the box area) in pixels."""
        return float(np.median([math.sqrt(max(b.width * b.height, 0.0)) for b in self.boxes]))

    @property
    def width(self) -> float:
        """Median box width in pixels."""
        return float(np.median([b.width for b in self.boxes]))

    @property
    def height(self) -> float:
        """Median box height in pixels."""
        return float(np.median([b.height for b in self.boxes]))

    @property
    def median_center(self) -> tuple[float, float]:
        return float(np.median(self._cx)), float(np.median(self._cy))

    def covers(self, t: float | np.ndarray) -> bool | np.ndarray:
        """Whether ``t`` lies between the track's first and last detection."""
        return (self.start <= t) & (t <= self.end)

    def center_at(self, t: float | Sequence[float] | np.ndarray) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
        """The box centre at ``t`` (a time or an array of times), linearly interpolated between
        detections and held before the first and after the last."""
        cx = np.interp(t, self.times, self._cx)
        cy = np.interp(t, self.times, self._cy)
        if np.ndim(t) == 0:
            return float(cx), float(cy)
        return cx, cy

    def coverage(self, start: float, end: float) -> float:
        """Fraction of ``[start, end]`` that lies within the track's span."""
        if end <= start:
            return 0.0
        return max(0.0, min(end, self.end) - max(start, self.start)) / (end - start)


@dataclass
class _Open:
    times: list[float]
    boxes: list[Box]
    mouth: list[float | None]
    segment: int

    def predicted(self, t: float) -> tuple[float, float]:
        last = self.boxes[-1]
        if len(self.times) < 2:
            return last.cx, last.cy
        # velocity over the last few detections; one jittery pair says little
        k = max(0, len(self.times) - 4)
        dt = self.times[-1] - self.times[k]
        if dt <= 0:
            return last.cx, last.cy
        vx = (last.cx - self.boxes[k].cx) / dt
        vy = (last.cy - self.boxes[k].cy) / dt
        ahead = t - self.times[-1]
        return last.cx + vx * ahead, last.cy + vy * ahead


def _size(box: Box) -> float:
    return math.sqrt(max(box.width * box.height, 1.0))


def link_tracks(
    frames: Sequence[FrameFaces],
    frame_height: float,
    *,
    cuts: Sequence[float] = (),
    rules: TrackingRules = TrackingRules(),
) -> list[Track]:
    """Link the faces of ``frames`` (any order) into tracks; ``frame_height`` is the source
    frame's height in pixels and ``cuts`` are scene cut times, which no track crosses."""
    cut_times = sorted(cuts)
    min_height = rules.min_face_fraction * frame_height
    open_: list[_Open] = []
    closed: list[_Open] = []
    for frame in sorted(frames, key=lambda f: f.t):
        t = frame.t
        segment = bisect.bisect_right(cut_times, t)
        still = []
        for tr in open_:
            if tr.segment != segment or t - tr.times[-1] > rules.max_gap_seconds:
                closed.append(tr)
            else:
                still.append(tr)
        open_ = still
        faces = [f for f in frame.faces if f.score >= rules.min_score and f.box.height >= min_height]
        pairs = []
        for i, tr in enumerate(open_):
            if tr.times[-1] >= t:
                continue
            px, py = tr.predicted(t)
            last = tr.boxes[-1]
            allowed = rules.max_shift + rules.shift_per_second * (t - tr.times[-1])
            for j, face in enumerate(faces):
                size = (_size(last) + _size(face.box)) / 2
                ratio = _size(face.box) / _size(last)
                if not 1 / rules.max_scale <= ratio <= rules.max_scale:
                    continue
                shift = math.hypot(face.box.cx - px, face.box.cy - py) / size
                if shift > allowed:
                    continue
                pairs.append((shift - last.iou(face.box), i, j))
        pairs.sort()
        used_tracks: set[int] = set()
        used_faces: set[int] = set()
        for _, i, j in pairs:
            if i in used_tracks or j in used_faces:
                continue
            used_tracks.add(i)
            used_faces.add(j)
            open_[i].times.append(t)
            open_[i].boxes.append(faces[j].box)
            open_[i].mouth.append(faces[j].mouth_open)
        for j, face in enumerate(faces):
            if j not in used_faces:
                open_.append(_Open([t], [face.box], [face.mouth_open], segment))
    kept = [
        tr
        for tr in closed + open_
        if len(tr.times) >= rules.min_samples and tr.times[-1] - tr.times[0] >= rules.min_seconds
    ]
    kept.sort(key=lambda tr: (tr.times[0], tr.boxes[0].cx))
    return [Track(i, tuple(tr.times), tuple(tr.boxes), tuple(tr.mouth)) for i, tr in enumerate(kept)]
