"""The reframing plan for one clip: which layout, what crop, and where the crop is over time.

Layouts, chosen in this order:

``fit``     faces are on screen less than ``ReframeRules.min_face_coverage`` of the clip: the
            whole frame scaled to the output width over a blurred, zoomed copy of itself.
``split``   exactly two tracks are each on screen at least ``split_presence`` of the clip, they
            are too far apart for one crop to hold both faces (centre distance plus a face width
            wider than the single crop), both speak at least ``split_min_share`` of the clip and
            the speaker changes at least once: two stacked panels, each half the output's height,
            each following one face (top: the face on the left). Only for outputs narrower than the
            source, and only when ``ReframeRules.split`` is on.
``single``  otherwise: a crop of the output's aspect following the active speaker. It is the
            full frame height unless the speaker is small in the frame (a stage or a wide room):
            then it zooms in until the face is ``face_share`` of the crop's height (head and upper
            body), but never so far that the crop is blown up more than ``max_upscale`` times to
            the output's height; a crop held back by that is *soft* (``ReframePlan.framing``).

Crop sizes are even integers in source pixels; keyframe times are source seconds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from streams.domain.options import ASPECTS
from streams.media.reframe.camera import CameraRules, follow
from streams.media.reframe.observations import FrameFaces, Loudness, Source
from streams.media.reframe.reframe_plan import Framing, ReframePlan
from streams.media.reframe.speaker import SpeakerRules, Turn, VoiceTurn, active_speaker
from streams.media.reframe.tracking import Track, TrackingRules, link_tracks

MAX_KEYFRAME_FPS = 30.0
LAYOUTS = ("single", "split", "fit")  # and "still" (``planner.still_plan``)


@dataclass(frozen=True)
class ReframeRules:
    """Attributes:
    tracking, speaker, camera: the rules of each stage.
    keyframe_fps: keyframes per second; None: the source's frame rate, at most 30.
    context: seconds of detections before ``start`` and after ``end`` also used.
    min_face_coverage: below this fraction of the clip with a face on screen, ``fit``.
    split: whether ``split`` may be chosen at all.
    split_presence: each of the two tracks must be on screen this fraction of the clip.
    split_min_share: each of the two must speak this fraction of the clip.
    split_face_heights: a panel's crop is this many face heights tall (between half and all
        of the frame height).
    headroom: in a panel, the face centre sits this fraction of the crop height above the
        crop centre.
    face_share: a single crop is zoomed in until the speaker's face is this fraction of its
        height (0.15: head and upper body in 9:16); never zoomed out past the frame.
    max_upscale: the most a zoomed crop may be scaled up to the output's height before the
        picture is too soft; a zoom it limits is reported (``Framing.soft``).
    zoom_headroom: in a zoomed crop, the face centre sits this fraction of the crop height
        above the crop centre.
    min_zoom: a zoom smaller than this is not worth it: the crop stays full height.
    """

    tracking: TrackingRules = field(default_factory=TrackingRules)
    speaker: SpeakerRules = field(default_factory=SpeakerRules)
    camera: CameraRules = field(default_factory=CameraRules)
    keyframe_fps: float | None = None
    context: float = 1.0
    min_face_coverage: float = 0.3
    split: bool = True
    split_presence: float = 0.8
    split_min_share: float = 0.15
    split_face_heights: float = 4.0
    headroom: float = 0.1
    face_share: float = 0.15
    max_upscale: float = 3.0
    zoom_headroom: float = 0.12
    min_zoom: float = 1.15


def _even(x: float) -> int:
    return max(2, int(x) // 2 * 2)


def crop_size(source: Source, ratio: float) -> tuple[int, int]:
    """The largest crop of width/height ``ratio`` inside the frame, even pixels."""
    if source.width / source.height > ratio:
        return min(_even(source.height * ratio), _even(source.width)), _even(source.height)
    return _even(source.width), min(_even(source.width / ratio), _even(source.height))


def _keyframe_times(source: Source, start: float, end: float, fps: float | None) -> np.ndarray:
    rate = fps or (min(source.fps, MAX_KEYFRAME_FPS) if source.fps > 0 else MAX_KEYFRAME_FPS)
    n = math.floor((end - start) * rate + 1e-9) + 1
    times = start + np.arange(n) / rate
    return times if times[-1] >= end - 1e-9 else np.append(times, end)


def _path_of(track: Track, times: np.ndarray, dy: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The track's centre at ``times``; NaN where it is not on screen."""
    cx, cy = track.center_at(times)
    on = track.covers(times)
    return np.where(on, cx, np.nan), np.where(on, cy + dy, np.nan)


def plan_reframe(
    frames: Sequence[FrameFaces],
    source: Source,
    aspect: str,
    start: float,
    end: float,
    *,
    cuts: Sequence[float] = (),
    loudness: Loudness | None = None,
    rules: ReframeRules = ReframeRules(),
    voices: Sequence[VoiceTurn] = (),
) -> ReframePlan:
    """Plan the reframing of ``[start, end]`` (source seconds) to ``aspect`` from the faces
    detected on sampled frames, the scene ``cuts``, the speech ``loudness`` and, where known, who
    the audio says speaks when (``voices``: ``(start, end, label)``)."""
    if aspect not in ASPECTS:
        raise ValueError(f"unknown aspect {aspect!r}; choose one of {', '.join(ASPECTS)}")
    if not (math.isfinite(start) and math.isfinite(end) and start < end):
        raise ValueError(f"clip must have start < end, got start={start} end={end}")
    if source.width <= 0 or source.height <= 0:
        raise ValueError(f"source size must be positive, got {source.width}x{source.height}")
    out_w, out_h = ASPECTS[aspect]
    scene = tuple(sorted(c for c in cuts if start < c <= end))
    near = [f for f in frames if start - rules.context <= f.t <= end + rules.context]
    tracks = link_tracks(near, source.height, cuts=sorted(cuts), rules=rules.tracking)
    times = _keyframe_times(source, start, end, rules.keyframe_fps)

    on_screen = np.zeros(times.size, dtype=bool)
    for tr in tracks:
        on_screen |= tr.covers(times)
    if not tracks or on_screen.mean() < rules.min_face_coverage:
        return ReframePlan(
            "fit",
            aspect,
            source,
            start,
            end,
            _even(source.width),
            _even(source.height),
            cuts=scene,
            faces=shown_faces(tracks, start, end),
        )

    turns = active_speaker(tracks, start, end, loudness=loudness, cuts=scene, rules=rules.speaker, voices=voices)
    single_w, single_h = crop_size(source, out_w / out_h)
    pair = _split_pair(tracks, turns, start, end, single_w, rules) if single_w < source.width else None
    if pair is not None:
        return _split(pair, source, aspect, start, end, times, scene, turns, rules)

    by_id = {tr.id: tr for tr in tracks}
    speaking = [by_id[turn.track_id] for turn in turns]
    (crop_w, crop_h), framing = zoomed_crop(
        (out_w, out_h), (single_w, single_h), max((tr.height for tr in speaking), default=0.0), rules
    )
    dy = rules.zoom_headroom * crop_h if framing.zoom > 1.0 else 0.0
    tx = np.full(times.size, np.nan)
    ty = np.full(times.size, np.nan)
    for turn in turns:
        inside = (times >= turn.start) & (times < turn.end) if turn.end < end else times >= turn.start
        x, y = _path_of(by_id[turn.track_id], times, dy=dy)
        tx = np.where(inside, x, tx)
        ty = np.where(inside, y, ty)
    switches = [turn.start for turn in turns[1:]]
    path = follow(times, tx, ty, (crop_w, crop_h), source, cuts=scene, switches=switches, rules=rules.camera)
    return ReframePlan(
        "single",
        aspect,
        source,
        start,
        end,
        crop_w,
        crop_h,
        keyframes=path.keyframes,
        cuts=tuple(sorted(set(scene) | set(path.cuts))),
        speakers=tuple(turns),
        faces=shown_faces(tracks, start, end, turns),
        framing=framing,
    )


def zoomed_crop(
    output: tuple[int, int], full: tuple[int, int], face_height: float, rules: ReframeRules = ReframeRules()
) -> tuple[tuple[int, int], Framing]:
    """The single crop for a speaker whose face is ``face_height`` source pixels tall: ``full``
    (the largest crop of the output's aspect) shrunk until the face is ``rules.face_share`` of its
    height, but not below ``output height / rules.max_upscale`` pixels tall. Returns the crop's
    even size and how close it is."""
    out_w, out_h = output
    full_w, full_h = full
    sharp_h = min(out_h / rules.max_upscale, full_h)  # the smallest crop that is sharp enough
    wanted_h = face_height / rules.face_share if face_height > 0 else full_h
    h = min(max(wanted_h, sharp_h), full_h)
    if h * rules.min_zoom > full_h:
        h = full_h
    w = h * out_w / out_h
    crop = (min(_even(w), full_w), min(_even(h), full_h)) if h < full_h else (full_w, full_h)
    share = face_height / crop[1] if crop[1] else 0.0
    framing = Framing(
        zoom=full_h / crop[1],
        face_share=share,
        wanted=max(rules.face_share, share),
        upscale=out_h / crop[1],
        soft=wanted_h < sharp_h - 1,
    )
    return crop, framing


def shown_faces(
    tracks: Sequence[Track], start: float, end: float, turns: Sequence[Turn] | None = None
) -> tuple[tuple[float, float, float, float, float], ...]:
    """``(t, x0, y0, x1, y1)`` of the detections inside ``[start, end]`` of ``tracks``, in time order;
    with ``turns``, only those of the track speaking at ``t`` (its turn ``[start, end)``, the last
    turn to the end); no turns at all: every track."""
    shown: Sequence[Turn] = turns or ()

    def speaking(track_id: int, t: float) -> bool:
        return any(
            turn.track_id == track_id and turn.start <= t and (t < turn.end or turn is shown[-1]) for turn in shown
        )

    faces = [
        (round(t, 3), b.x0, b.y0, b.x1, b.y1)
        for tr in tracks
        for t, b in zip(tr.times, tr.boxes)
        if start <= t <= end and (not shown or speaking(tr.id, t))
    ]
    return tuple(sorted(faces))


def _split_pair(
    tracks: Sequence[Track], turns: Sequence[Turn], start: float, end: float, single_w: int, rules: ReframeRules
) -> tuple[Track, Track] | None:
    """The two tracks to split the screen between (left first), or None if the rule does not hold."""
    if not rules.split:
        return None
    steady = [tr for tr in tracks if tr.coverage(start, end) >= rules.split_presence]
    if len(steady) != 2:
        return None
    left, right = sorted(steady, key=lambda tr: tr.median_center[0])
    apart = right.median_center[0] - left.median_center[0] + (left.width + right.width) / 2
    if apart <= single_w:
        return None
    spoken = {tr.id: 0.0 for tr in steady}
    for turn in turns:
        if turn.track_id in spoken:
            spoken[turn.track_id] += turn.end - turn.start
    changes = sum(1 for a, b in itertools.pairwise(turns) if a.track_id != b.track_id)
    if changes < 1 or min(spoken.values()) < rules.split_min_share * (end - start):
        return None
    return left, right


def _split(
    pair: tuple[Track, Track],
    source: Source,
    aspect: str,
    start: float,
    end: float,
    times: np.ndarray,
    scene: tuple[float, ...],
    turns: Sequence[Turn],
    rules: ReframeRules,
) -> ReframePlan:
    out_w, out_h = ASPECTS[aspect]
    ratio = out_w / (out_h / 2)
    face_h = max(tr.height for tr in pair)
    h = min(max(rules.split_face_heights * face_h, source.height / 2), source.height)
    w = h * ratio
    if w > source.width:
        w, h = source.width, source.width / ratio
    cw, ch = _even(w), _even(h)
    paths = []
    for tr in pair:
        x, y = _path_of(tr, times, dy=rules.headroom * ch)
        paths.append(follow(times, x, y, (cw, ch), source, cuts=scene, rules=rules.camera))
    cut_times = set(scene) | set(paths[0].cuts) | set(paths[1].cuts)
    return ReframePlan(
        "split",
        aspect,
        source,
        start,
        end,
        cw,
        ch,
        keyframes=paths[0].keyframes,
        second=paths[1].keyframes,
        cuts=tuple(sorted(cut_times)),
        speakers=tuple(turns),
        panels=(pair[0].id, pair[1].id),
        faces=shown_faces(pair, start, end),
    )
