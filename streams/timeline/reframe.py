"""A cut's reframe as an editor's keyframed transform (pure).

Our renderer crops the source to a box that follows the speaker and scales the box to the output
frame (``streams.media.framing``: the box moves linearly from one key to the next, and two keys at
the same time are a jump at a shot change). An editor does the same with a transform on the
source clip in a sequence of the output's size: scale the whole source by ``output / box`` and
move it so the box fills the frame. A :class:`Place` is that transform at one frame: the scale and
where the source's top-left corner lands, in output pixels (y down). Each editor format writes
places in its own units (``fcpxml``: offset of the centre, in percent of the frame height, y up).

Layouts drawn as one picture have places: ``single`` and ``static`` (a crop path), ``fit`` (the
whole source letterboxed) and ``still`` (a still picture drawn as an audiogram's cover: the whole
source in the cover's box; the bars and the blurred background are not redrawn). A ``split`` clip
(two crops stacked) and audio have none: a timeline with such a cut stays at the source's frame
size, the crops kept as metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from streams.errors import TimelineError
from streams.timeline.cuts import Cut, Source

DRAWN = ("single", "static", "fit", "still")


@dataclass(frozen=True)
class Place:
    """The source as drawn at ``frame`` (counted from the cut's first frame): scaled by ``scale``,
    its top-left corner at (``x``, ``y``) output pixels; the picture moves linearly to the next
    place, and a place one frame after another is a jump."""

    frame: int
    scale: float
    x: float
    y: float

    def centre_offset(self, source_size: tuple[int, int], frame_size: tuple[int, int]) -> tuple[float, float]:
        """How far the centre of a source of ``source_size`` lies from the centre of a frame of
        ``frame_size``, in output pixels (y down)."""
        (source_w, source_h), (width, height) = source_size, frame_size
        return self.x + self.scale * source_w / 2 - width / 2, self.y + self.scale * source_h / 2 - height / 2


def output_size(cut: Cut) -> tuple[int, int] | None:
    """The frame size ``cut`` was rendered at, when its picture can be redrawn by a transform."""
    reframe = cut.reframe or {}
    output = reframe.get("output") or {}
    if reframe.get("layout") not in DRAWN or not output.get("width") or not output.get("height"):
        return None
    return int(output["width"]), int(output["height"])


def frame_of(cuts: Sequence[Cut], source: Source) -> tuple[int, int] | None:
    """The output frame every cut shares, when each can be drawn by a transform; None otherwise
    (audio, a split clip, or clips of different sizes on one timeline)."""
    if not source.has_video or not cuts:
        return None
    sizes = {output_size(cut) for cut in cuts}
    if len(sizes) != 1 or None in sizes:
        return None
    return sizes.pop()


def places(cut: Cut, source: Source, rate: float, width: int, height: int) -> list[Place]:
    """The transform drawing ``cut`` as it was rendered into a ``width`` x ``height`` frame, one
    place per key of its crop path (clip seconds put on frames of ``rate``)."""
    reframe: Mapping[str, Any] = cut.reframe or {}
    if reframe.get("layout") in ("fit", "still"):
        source_w, source_h = _frame_size(source)
        box = (reframe.get("audiogram") or {}).get("cover") or {"x": 0, "y": 0, "w": width, "h": height}
        scale = min(box["w"] / source_w, box["h"] / source_h)
        x, y = box["x"] + (box["w"] - scale * source_w) / 2, box["y"] + (box["h"] - scale * source_h) / 2
        return [Place(0, scale, x, y)]
    panels = (reframe.get("crop") or {}).get("panels") or []
    if panels:
        keys = panels[0]
    else:
        source_w, source_h = _frame_size(source)
        keys = [{"t": 0.0, "x": 0, "y": 0, "w": source_w, "h": source_h}]
    out: list[Place] = []
    for key in keys:
        scale = width / key["w"]
        place = Place(round(float(key["t"]) * rate), scale, -key["x"] * scale, -key["y"] * scale)
        if out and place.frame <= out[-1].frame:  # a jump: the old box holds to the frame before
            prev = out.pop()
            held = Place(place.frame - 1, prev.scale, prev.x, prev.y)
            if held.frame >= 0 and (not out or held.frame > out[-1].frame):
                out.append(held)
            if out and place.frame <= out[-1].frame:
                place = Place(out[-1].frame + 1, place.scale, place.x, place.y)
        out.append(place)
    return out


def _frame_size(source: Source) -> tuple[int, int]:
    """``source``'s frame size; ``TimelineError`` for a source without one (audio has no picture to place)."""
    if source.width is None or source.height is None:
        raise TimelineError(f"{source.name} has no frame size: a transform places a picture, and it has none")
    return source.width, source.height
