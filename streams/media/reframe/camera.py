"""A smooth virtual camera: the crop centre following a target centre over time.

The target is first smoothed (a centred moving average over ``CameraRules.smoothing`` seconds)
and read ``lookahead`` seconds early, since the plan is made after the fact. The camera then
moves only once the target strays out of a dead zone (``dead_zone`` of the crop's width and
height around the crop centre), and stops once it is back within ``settle`` of it and nearly
still. While moving, it matches the target's velocity and closes the gap, at up to ``MAX_SPEED``
and changing velocity by at most ``MAX_ACCEL``, braking in time so as not to overshoot. Both bounds are on the crop centre's velocity vector, in
source widths: on a 1280-pixel source, 0.6 widths/s is 768 px/s.

It jumps (a cut, no smoothing) only at scene cuts and at a change of target (a new speaker) whose
new centre lies outside the inner ``far`` fraction of the current crop (``FAR``); a nearer new
target is panned to under the same bounds. The crop always stays inside the frame.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from streams.media.reframe.observations import Source

MAX_SPEED = 0.6  # crop-centre speed, source widths per second
MAX_ACCEL = 1.2  # crop-centre acceleration, source widths per second squared
FAR = 0.8  # a new target farther than this fraction of the crop's half-size is cut to


@dataclass(frozen=True)
class CropKeyframe:
    """The crop centre (source pixels) at source time ``t``."""

    t: float
    cx: float
    cy: float


@dataclass(frozen=True)
class CameraRules:
    """Attributes:
    max_speed: crop-centre speed bound, source widths per second.
    max_accel: crop-centre acceleration bound, source widths per second squared.
    dead_zone: the target may move this fraction of the crop's width (height) from the crop
        centre before the camera follows.
    settle: the camera stops once the target is within this fraction of the crop's size.
    smoothing: seconds the target is averaged over (detector jitter).
    lookahead: seconds ahead the target is read, so the camera leaves in time.
    far: a new target farther from the crop centre than this fraction of the crop's
        half-width (half-height) is cut to rather than panned to.
    response: while moving, the camera closes the gap to the target at 1/response of it
        per second (on top of the target's own velocity).
    still: the camera stops only once the target moves slower than this fraction of
        ``max_speed``, so a steady pan does not stutter.
    """

    max_speed: float = MAX_SPEED
    max_accel: float = MAX_ACCEL
    dead_zone: float = 0.1
    settle: float = 0.03
    smoothing: float = 0.4
    lookahead: float = 0.1
    far: float = FAR
    response: float = 0.4
    still: float = 0.05


@dataclass(frozen=True)
class CameraPath:
    """Attributes:
    keyframes: the crop centre at each time asked for.
    cuts: times the crop jumped: the scene cuts and the far changes of target.
    """

    keyframes: tuple[CropKeyframe, ...]
    cuts: tuple[float, ...]


def _smooth(values: np.ndarray, times: np.ndarray, seconds: float) -> np.ndarray:
    """Centred moving average over ``seconds`` ignoring NaN; all-NaN stays NaN."""
    if values.size == 0 or seconds <= 0:
        return values
    valid = np.isfinite(values)
    v = np.where(valid, values, 0.0)
    c1 = np.concatenate([[0.0], np.cumsum(v)])
    cn = np.concatenate([[0], np.cumsum(valid)])
    lo = np.searchsorted(times, times - seconds / 2, side="left")
    hi = np.searchsorted(times, times + seconds / 2, side="right")
    n = cn[hi] - cn[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (c1[hi] - c1[lo]) / np.maximum(n, 1), np.nan)


def _fill(values: np.ndarray) -> np.ndarray:
    """NaN replaced by the last finite value before it, or the first after it at the start."""
    valid = np.flatnonzero(np.isfinite(values))
    if valid.size == 0:
        return values
    idx = np.maximum.accumulate(np.where(np.isfinite(values), np.arange(values.size), -1))
    idx[idx < 0] = valid[0]
    return values[idx]


def follow(
    times: Sequence[float] | np.ndarray,
    target_x: Sequence[float] | np.ndarray,
    target_y: Sequence[float] | np.ndarray,
    crop: tuple[float, float],
    source: Source,
    *,
    cuts: Sequence[float] = (),
    switches: Sequence[float] = (),
    rules: CameraRules = CameraRules(),
) -> CameraPath:
    """The crop centre at each of ``times`` (increasing) following the target centre given at
    the same times (NaN: no target, the camera holds). ``crop`` is the crop's (width, height) in
    source pixels; ``cuts`` are scene cut times and ``switches`` the times the target changes to
    another face. A keyframe at or after a cut already shows the new position."""
    t = np.asarray(times, dtype=float)
    n = t.size
    if n == 0:
        return CameraPath((), ())
    cw, ch = crop
    lo = np.array([cw / 2, ch / 2])
    hi = np.array([source.width - cw / 2, source.height - ch / 2])
    hi = np.maximum(hi, lo)
    scene = sorted(c for c in cuts if t[0] < c <= t[-1])
    change = sorted(s for s in switches if t[0] < s <= t[-1])
    # segments: stretches between cuts and switches, smoothed and filled separately
    bounds = sorted(set(scene) | set(change))
    seg = np.searchsorted(bounds, t, side="right")
    target = np.full((n, 2), np.nan)
    drift = np.zeros((n, 2))
    for s in np.unique(seg):
        m = seg == s
        tx = _smooth(np.asarray(target_x, dtype=float)[m], t[m], rules.smoothing)
        ty = _smooth(np.asarray(target_y, dtype=float)[m], t[m], rules.smoothing)
        ahead = np.minimum(t[m] + rules.lookahead, t[m][-1])
        tx, ty = _fill(tx), _fill(ty)
        if np.isfinite(tx).any():
            tx = np.interp(ahead, t[m], tx)
            ty = np.interp(ahead, t[m], ty)
        target[m] = np.clip(np.stack([tx, ty], axis=1), lo, hi)
        if m.sum() > 1 and np.isfinite(target[m]).all():
            drift[m] = np.gradient(target[m], t[m], axis=0)
            drift[m] = np.stack([_smooth(d, t[m], rules.smoothing) for d in drift[m].T], axis=1)

    vmax = rules.max_speed * source.width
    amax = rules.max_accel * source.width
    zone = np.array([rules.dead_zone * cw, rules.dead_zone * ch])
    settle = np.array([rules.settle * cw, rules.settle * ch])
    far = np.array([rules.far * cw / 2, rules.far * ch / 2])

    first = np.flatnonzero(np.isfinite(target[:, 0]))
    pos = target[first[0]].copy() if first.size else (lo + hi) / 2
    vel = np.zeros(2)
    moving = False
    out_cuts: list[float] = []
    keyframes = [CropKeyframe(float(t[0]), float(pos[0]), float(pos[1]))]
    for i in range(1, n):
        dt = t[i] - t[i - 1]
        goal = target[i]
        crossed = [c for c in scene if t[i - 1] < c <= t[i]]
        switched = [s for s in change if t[i - 1] < s <= t[i]]
        jump = bool(crossed)
        if switched and not jump and np.isfinite(goal).all():
            jump = bool(np.any(np.abs(goal - pos) > far))
        if jump and np.isfinite(goal).all():
            pos, vel, moving = goal.copy(), np.zeros(2), False
            out_cuts.append(crossed[0] if crossed else switched[0])
        else:
            pos, vel, moving = _step(pos, vel, goal, drift[i], moving, dt, rules, (vmax, amax), zone, settle)
            clipped = np.clip(pos, lo, hi)
            vel[clipped != pos] = 0.0
            pos = clipped
        keyframes.append(CropKeyframe(float(t[i]), float(pos[0]), float(pos[1])))
    return CameraPath(tuple(keyframes), tuple(out_cuts))


def _step(
    pos: np.ndarray,
    vel: np.ndarray,
    goal: np.ndarray,
    drift: np.ndarray,
    moving: bool,
    dt: float,
    rules: CameraRules,
    limits: tuple[float, float],
    zone: np.ndarray,
    settle: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """One step of the follower: while moving, the target's own velocity plus a pull towards it
    (closing ``1/response`` of the gap per second, and slow enough to brake in time), within the
    speed and acceleration bounds."""
    vmax, amax = limits
    if dt <= 0:
        return pos, vel, moving
    known = bool(np.isfinite(goal).all())
    error = goal - pos if known else np.zeros(2)
    drift = drift if known and np.isfinite(drift).all() else np.zeros(2)
    if not moving and np.hypot(*(error / zone)) > 1:
        moving = True
    elif moving and np.hypot(*(error / settle)) <= 1 and np.hypot(*drift) <= rules.still * vmax:
        moving = False
    wanted = np.zeros(2)
    if moving:
        dist = float(np.hypot(*error))
        wanted = drift.copy()
        if dist > 0:
            pull = min(dist / rules.response, math.sqrt(2 * amax * dist) * 0.9)
            wanted += error / dist * pull
    dv = wanted - vel
    change = float(np.hypot(*dv))
    if change > amax * dt:
        dv *= amax * dt / change
    vel = vel + dv
    speed = float(np.hypot(*vel))
    if speed > vmax:
        vel *= vmax / speed
    return pos + vel * dt, vel, moving


def cut_between(cuts: Sequence[float], t0: float, t1: float) -> bool:
    """Whether a cut falls in ``(t0, t1]``; ``cuts`` sorted."""
    i = bisect.bisect_right(cuts, t0)
    return i < len(cuts) and cuts[i] <= t1
