"""Drawing a reframe plan with FFmpeg filters (pure: strings and numbers, no I/O).

A plan (``streams.media.reframe.layout.ReframePlan``, read by attribute so this module does not
depend on the planner) says how the source is laid onto the output frame:

single  one crop that follows the speaker: ``crop`` whose x/y change over time by ``sendcmd``
        commands, then ``scale`` to the output size.
split   two crops (``keyframes`` on top, ``second`` below) of one decoded frame (``split``), each
        scaled to half the output height and stacked (``vstack``).
fit     the whole frame scaled to fit the output width, over a blurred, darkened copy that covers
        the frame (blurred small, then scaled up: a full-size blur costs more than the encode).
still   one still picture: drawn as an audio-only clip is, the picture as its cover
        (``streams.media.audiogram``), not here.

Without a plan the crop is static (``crop_box``). ``framing`` works out what a clip draws (a
``Framing``) and ``picture`` the filter graph lines that draw it. Keyframe times are source
seconds and the crop centre is in source pixels. The drawn path (``crop_path``) is linear between
keys with jumps at cuts; each stretch is one ``sendcmd`` command setting the crop's x and y to an
expression of the frame time, so each frame is placed at its own time. Times are clip seconds:
after an input ``-ss`` the filters see the clip start as time 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from streams.domain.options import ASPECTS

LAYOUTS = ("single", "split", "fit", "still")
PANELS = ("p0", "p1")  # the crop filters' instance names, targets of the commands


@dataclass(frozen=True)
class CropKey:
    """The crop box from clip time ``t`` (seconds) on: top-left ``x``, ``y`` and size ``w`` x ``h``
    in source pixels."""

    t: float
    x: int
    y: int
    w: int
    h: int

    def as_json(self) -> dict[str, float | int]:
        return {"t": round(self.t, 3), "x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclass(frozen=True)
class Framing:
    """How the source is drawn: ``layout`` (``single``, ``split``, ``fit``, ``still``, ``static``
    without a plan, ``audio`` without video) and the crop path of each panel (clip times, source
    pixels)."""

    layout: str
    panels: tuple[tuple[CropKey, ...], ...] = field(default=())

    @property
    def moving(self) -> bool:
        return any(len(p) > 1 for p in self.panels)

    @property
    def audiogram(self) -> bool:
        """Whether the clip is drawn as an audiogram: a source without a picture, or a still one."""
        return self.layout in ("audio", "still")


def framing(spec: Any, info: Any) -> Framing:
    """What a clip render (``spec``: a ``render_spec.RenderSpec``; ``info``: its source's
    ``SourceInfo``, both read by attribute) draws: the layout and each panel's crop path,
    following the trim's jump cuts."""
    if not info.has_video:
        return Framing("audio")
    plan = spec.plan
    if plan is None:
        w, h, x, y = crop_box(info.width, info.height, *ASPECTS[spec.aspect], spec.crop_center_x)
        return Framing("static", ((CropKey(0.0, x, y, w, h),),))
    if plan.layout in ("fit", "still"):
        return Framing(plan.layout)
    cuts = getattr(plan, "cuts", ()) or ()

    def path(keyframes) -> tuple[CropKey, ...]:
        return tuple(
            crop_path(
                keyframes,
                int(plan.crop_width),
                int(plan.crop_height),
                info.width,
                info.height,
                spec.start,
                spec.end,
                cuts,
            )
        )

    panels = (path(plan.keyframes),) + ((path(plan.second),) if plan.layout == "split" else ())
    if spec.trimmed and spec.trim is not None:  # the crop follows the jump cuts
        trim, start = spec.trim, spec.start
        cuts = [(a - start, b - start) for a, b in trim.cuts]
        panels = tuple(tuple(jump_cut(list(p), lambda u: trim.clamp(start + u), cuts)) for p in panels)
    return Framing(plan.layout, panels)


def picture(
    frame: Framing,
    source: str,
    source_size: tuple[int, int],
    size: tuple[int, int],
    commands: str | None,
    pre: str = "",
) -> list[str]:
    """Graph lines that draw ``frame`` from the ``source`` label (a ``source_size`` picture) on a
    ``size`` frame; the last line is left open. ``commands`` is the escaped ``sendcmd`` file
    name of a moving crop; ``pre`` a filter prefix for the source (``fps=30,``)."""
    width, height = size
    if frame.layout == "fit":
        return fit_graph(source, width, height, pre)
    if frame.layout == "split":
        return split_graph(source, list(frame.panels[0]), list(frame.panels[1]), width, height, commands, pre)
    path = list(frame.panels[0])
    box = path[0]
    if len(path) == 1 and (box.w, box.h) == source_size:
        chain = [f"scale={width}:{height}:flags=lanczos"]
    else:
        chain = single_chain(path, width, height, commands)
    return [f"{source}{pre}" + ",".join(chain)]


def crop_box(src_w: int, src_h: int, dst_w: int, dst_h: int, center_x: float | None) -> tuple[int, int, int, int]:
    """``(w, h, x, y)`` of the largest crop of the source with the target's aspect: full height
    centred on ``center_x`` (clamped inside the frame), or full width centred vertically when the
    source is narrower than the target."""
    if src_w * dst_h > src_h * dst_w:
        w = min(src_w, round(src_h * dst_w / dst_h / 2) * 2)
        x = round((0.5 if center_x is None else center_x) * src_w - w / 2)
        return w, src_h, max(0, min(src_w - w, x)), 0
    h = min(src_h, round(src_w * dst_h / dst_w / 2) * 2)
    return src_w, h, 0, (src_h - h) // 2


def crop_path(
    keyframes: Iterable[Any],
    crop_w: int,
    crop_h: int,
    src_w: int,
    src_h: int,
    start: float,
    end: float,
    cuts: Iterable[Any] = (),
) -> list[CropKey]:
    """The crop path of the clip ``[start, end]`` (source seconds) as keys in clip time: the box
    moves linearly from one key to the next, and two keys at the same time are a jump (a cut).
    ``keyframes`` have ``t`` (source seconds), ``cx``, ``cy`` (crop centre, source px); before the
    first and after the last the box holds; across a cut (a time in ``cuts``) it holds until the
    cut and jumps there to the next keyframe's box. Boxes are clamped inside the source."""
    w, h = min(crop_w, src_w), min(crop_h, src_h)
    duration = end - start
    kfs = sorted(((float(k.t) - start, float(k.cx), float(k.cy)) for k in keyframes), key=lambda k: k[0])
    if not kfs:
        kfs = [(0.0, src_w / 2, src_h / 2)]
    cut_times = sorted(float(getattr(c, "t", c)) - start for c in cuts)

    def key(t: float, cx: float, cy: float) -> CropKey:
        x = max(0, min(src_w - w, round(cx - w / 2)))
        y = max(0, min(src_h - h, round(cy - h / 2)))
        return CropKey(round(t, 4), x, y, w, h)

    def at(t: float) -> tuple[float, float]:
        i = max((n for n, k in enumerate(kfs) if k[0] <= t), default=0)
        t0, x0, y0 = kfs[i]
        if t <= t0 or i + 1 == len(kfs):
            return x0, y0
        t1, x1, y1 = kfs[i + 1]
        if any(t0 < c <= t for c in cut_times):
            return x1, y1  # past a cut on the way to the next keyframe: already there
        if any(t0 < c <= t1 for c in cut_times) or t1 <= t0:
            return x0, y0
        f = (t - t0) / (t1 - t0)
        return x0 + (x1 - x0) * f, y0 + (y1 - y0) * f

    times = sorted({0.0, duration, *(k[0] for k in kfs if 0 < k[0] < duration)})
    path = [key(0.0, *at(0.0))]
    for c in (c for c in cut_times if 0 < c < duration):
        times.append(c)
    for t in sorted(set(times))[1:]:
        if t in cut_times:
            path.append(key(t, *at(t - 1e-6)))  # where the box is just before the cut...
        path.append(key(t, *at(t)))  # ...and where it is from then on
    return _simplified(path)


def box_at(path: list[CropKey], t: float) -> CropKey:
    """The box ``path`` draws at clip time ``t`` (linear between keys; at a jump, the box after)."""
    before = [k for k in path if k.t <= t + 1e-9]
    if not before:
        return replace(path[0], t=t)
    a = before[-1]
    after = next((k for k in path if k.t > t + 1e-9), None)
    if after is None or after.t <= a.t:
        return replace(a, t=t)
    f = (t - a.t) / (after.t - a.t)
    return CropKey(t, round(a.x + (after.x - a.x) * f), round(a.y + (after.y - a.y) * f), a.w, a.h)


def jump_cut(
    path: list[CropKey], to_clip: Callable[[float], float], cuts: Iterable[tuple[float, float]]
) -> list[CropKey]:
    """``path`` (clip time before trimming) on the trimmed clip: each key at ``to_clip`` of its time
    (a monotone map, times inside a cut taken to its join), keys inside a cut dropped, and at each
    join a jump from the box where the cut starts to the box where it ends, so the speaker crop
    follows the jump cuts."""
    cuts = sorted(cuts)
    events: list[tuple[float, int, CropKey]] = []
    for k in path:
        if not any(a < k.t < b for a, b in cuts):
            events.append((k.t, 1, k))
    for a, b in cuts:
        events.append((a, 2, box_at(path, a)))
        events.append((b, 0, box_at(path, b)))
    events.sort(key=lambda e: (e[0], e[1]))
    return _simplified([replace(k, t=round(to_clip(u), 4)) for u, _, k in events])


def _simplified(path: list[CropKey]) -> list[CropKey]:
    """``path`` without keys that change nothing: the middle of three equal boxes, and the tail
    that only holds."""

    def same(a: CropKey, b: CropKey) -> bool:
        return (a.x, a.y) == (b.x, b.y)

    out: list[CropKey] = []
    for k in path:
        if len(out) >= 2 and same(out[-2], out[-1]) and same(out[-1], k):
            out[-1] = k
        else:
            out.append(k)
    while len(out) > 1 and same(out[-1], out[-2]):
        out.pop()
    return out


def _expression(a: CropKey, b: CropKey | None, axis: str) -> str:
    """The crop ``x`` or ``y`` from ``a`` towards ``b`` as an expression of the frame time ``t``."""
    v0 = getattr(a, axis)
    if b is None or b.t <= a.t or getattr(b, axis) == v0:
        return str(v0)
    slope = (getattr(b, axis) - v0) / (b.t - a.t)
    return f"{v0}{slope:+.6g}*(t-{a.t:.4f})"


def segments(path: list[CropKey]) -> list[tuple[float, str, str]]:
    """``(from, x expression, y expression)`` for each stretch of ``path``."""
    out = []
    for i, a in enumerate(path):
        b = path[i + 1] if i + 1 < len(path) else None
        if b is not None and b.t <= a.t:
            continue  # a jump: the next key starts its own stretch at the same time
        out.append((a.t, _expression(a, b, "x"), _expression(a, b, "y")))
    return out


def sendcmd_script(paths: dict[str, list[CropKey]]) -> str:
    """``sendcmd`` commands that move each named crop along its path: at the start of each stretch
    the crop's x and y become expressions of the frame time, so every frame is placed at its own
    time whatever the source's frame timing. The first stretch is the crop's initial value."""
    events: dict[float, list[str]] = {}
    for name, path in paths.items():
        for t, x, y in segments(path)[1:]:
            events.setdefault(t, []).append(f"crop@{name} x '{x}', crop@{name} y '{y}'")
    return "".join(f"{t:.4f} {', '.join(cmds)};\n" for t, cmds in sorted(events.items()))


def _crop(name: str, path: list[CropKey]) -> str:
    _, x, y = segments(path)[0]
    return f"crop@{name}=w={path[0].w}:h={path[0].h}:x={x}:y={y}"


def _fill(w: int, h: int, box_w: int, box_h: int) -> str:
    """Scale a ``box_w`` x ``box_h`` picture to exactly ``w`` x ``h``, cropping the excess when
    the aspect ratios differ by more than 1 % (even-pixel rounding of small crops is less)."""
    if abs(box_w * h - box_h * w) <= 0.01 * box_h * w:
        return f"scale={w}:{h}:flags=lanczos"
    return f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=lanczos,crop={w}:{h}"


def single_chain(path: list[CropKey], width: int, height: int, commands: str | None) -> list[str]:
    """Filters of one moving (or still) crop scaled to ``width`` x ``height``; ``commands`` is the
    already escaped ``sendcmd`` file name, needed when the path has more than one box."""
    first = path[0]
    moving = [f"sendcmd=f={commands}"] if len(path) > 1 and commands else []
    return [*moving, _crop(PANELS[0], path), _fill(width, height, first.w, first.h)]


def split_graph(
    source: str,
    top: list[CropKey],
    bottom: list[CropKey],
    width: int,
    height: int,
    commands: str | None,
    pre: str = "",
) -> list[str]:
    """Graph lines of two crops stacked (top half, bottom half) reading the ``source`` label; the
    last line is left open for the caller to continue. ``pre`` is a filter prefix for the source
    (e.g. ``fps=30,``)."""
    upper = height // 4 * 2  # both halves even: 4:5 is 1350 = 674 + 676, not 675 + 675
    moving = f"sendcmd=f={commands}," if (len(top) > 1 or len(bottom) > 1) and commands else ""
    lines = [
        f"{source}{pre}{moving}split=2[s0][s1]",
        f"[s0]{_crop(PANELS[0], top)},{_fill(width, upper, top[0].w, top[0].h)}[top]",
        f"[s1]{_crop(PANELS[1], bottom)},{_fill(width, height - upper, bottom[0].w, bottom[0].h)}[bottom]",
        "[top][bottom]vstack=inputs=2",
    ]
    return lines


def fit_graph(source: str, width: int, height: int, pre: str = "") -> list[str]:
    """Graph lines of the whole frame over its blurred, darkened cover, reading the ``source``
    label; the last line is left open for the caller to continue."""
    small_w, small_h = _even(width / 8), _even(height / 8)
    return [
        f"{source}{pre}split=2[s0][s1]",
        f"[s0]scale={small_w}:{small_h}:force_original_aspect_ratio=increase:flags=bilinear,"
        f"crop={small_w}:{small_h},boxblur=luma_radius=6:luma_power=2,lutyuv=y=val*0.55,"
        f"scale={width}:{height}:flags=bilinear[bg]",
        f"[s1]scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=lanczos[fg]",
        "[bg][fg]overlay=x=(W-w)/2:y=(H-h)/2",
    ]


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
