"""The hook title: the clip's title drawn on screen for its first seconds, in a box of the caption
style's highlight colour, so a viewer knows in the first three seconds why to keep watching
(pure: no I/O).

It is drawn in the caption style's font (the title's own script's font where that differs:
``captions.for_script``), bold, its text in the style's outline colour on a box of its highlight
colour (a brand kit's colours and font, when there is one), broken into at most ``MAX_LINES``
balanced lines inside the safe area and shrunk when even they would not fit. A title in a
right-to-left script is laid out by libass's bidi algorithm, as captions are.

It is placed where it covers no face: ``face_bands`` says which rows of the output frame hold the
speaker's face during the title's seconds (from the reframe plan's face boxes and the crop path
drawn), and ``layout_hook`` puts the box at the highest place inside the safe area that covers
none of them and keeps clear of the captions; when no place is clear of the face, the one
covering the least of it. ``with_hook`` adds it to a caption ASS script as its own style and events.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Callable, Sequence

from streams.domain.words import Word
from streams.media.ass import ass_clock, ass_colour, ass_escape, estimate_width, right_to_left, safe_area, spaced
from streams.media.captions import MAX_LINES as CAPTION_LINES
from streams.media.captions import CaptionStyle, Measure, for_script
from streams.media.framing import CropKey, Framing, box_at

HOOK_SECONDS = 3.0  # how long the title stays (fading in and out)
MAX_LINES = 3
SIZE = 0.82  # the title's font size against the captions' (at 1080)
PAD = 0.28  # the box's padding around the text, as a share of the font size
FACE_MARGIN = 0.015  # kept between the box and a face, as a share of the frame height
FADE_MS = (120, 220)
STYLE_NAME = "Hook"


@dataclass(frozen=True)
class Hook:
    """A title to draw: ``text`` for the first ``seconds`` of the clip."""

    text: str
    seconds: float = HOOK_SECONDS

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a hook title needs text")
        if not 0 < self.seconds <= 10:
            raise ValueError(f"a hook title is shown for 0-10 seconds, got {self.seconds}")


@dataclass(frozen=True)
class HookLayout:
    """How the title is drawn: its ``lines``, ``font_size`` in px, the box's ``top`` and ``bottom``
    rows in px (padding included), ``seconds`` on screen, the ``style`` whose font and colours it
    takes, and ``covers_face`` (True only when no place was clear of the face)."""

    hook: Hook
    lines: tuple[str, ...]
    font_size: int
    top: int
    bottom: int
    seconds: float
    width: int
    height: int
    style: CaptionStyle
    covers_face: bool = False

    def as_json(self) -> dict:
        return {
            "text": self.hook.text,
            "lines": list(self.lines),
            "seconds": round(self.seconds, 3),
            "font_size": self.font_size,
            "top": self.top,
            "bottom": self.bottom,
            "covers_face": self.covers_face,
        }


Band = tuple[float, float]  # rows of the output frame, px, top < bottom


def face_bands(
    layout: str,
    panels: Sequence[Sequence[CropKey]],
    faces: Sequence[tuple[float, float, float, float, float]],
    to_source: Callable[[float], float],
    seconds: float,
    source_size: tuple[int, int],
    size: tuple[int, int],
    step: float = 0.25,
) -> list[Band]:
    """The rows of the ``size`` output frame that show a face of ``faces`` (``(t, x0, y0, x1, y1)``
    in source seconds and pixels) in the clip's first ``seconds``: each sampled clip time is taken
    to the source by ``to_source`` and the faces within half a second of it are drawn through the
    ``layout`` (``single``/``static``: one crop path; ``split``: two stacked; ``fit``: the whole
    frame scaled into the middle; ``audio``: none)."""
    width, height = size
    src_w, src_h = source_size
    bands: list[Band] = []
    samples = [i * step for i in range(int(seconds / step) + 1)]
    for t in samples:
        at = to_source(t)
        for _, x0, y0, x1, y1 in (f for f in faces if abs(f[0] - at) <= 0.5):
            if layout == "fit" and src_w and src_h:
                scale = min(width / src_w, height / src_h)
                offset = (height - src_h * scale) / 2
                bands.append((offset + y0 * scale, offset + y1 * scale))
                continue
            if layout not in ("single", "static", "split") or not panels:
                continue
            rows = [(0.0, float(height))]
            if layout == "split":
                upper = height // 4 * 2
                rows = [(0.0, float(upper)), (float(upper), float(height))]
            for panel, (r0, r1) in zip(panels, rows):
                box = box_at(list(panel), t)
                if x1 <= box.x or x0 >= box.x + box.w or y1 <= box.y or y0 >= box.y + box.h:
                    continue  # not in this panel's picture
                scale = (r1 - r0) / box.h
                bands.append((max(r0, r0 + (y0 - box.y) * scale), min(r1, r0 + (y1 - box.y) * scale)))
    return _merged(bands)


def _merged(bands: list[Band]) -> list[Band]:
    out: list[Band] = []
    for a, b in sorted(bands):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def hook_style(style: CaptionStyle, text: str) -> CaptionStyle:
    """The caption style the title is drawn in: bold, in its script's font."""
    return dataclasses.replace(for_script(style, [Word(text, 0.0, 0.0)]), bold=True)


def layout_hook(
    hook: Hook,
    width: int,
    height: int,
    style: CaptionStyle,
    measure: Measure | None = None,
    faces: Sequence[Band] = (),
    duration: float | None = None,
) -> HookLayout:
    """Where and how ``hook`` is drawn on a ``width`` x ``height`` frame in ``style`` (already
    ``hook_style``), keeping clear of the face ``faces`` rows and of the captions."""
    measure = measure or estimate_width
    safe = safe_area(width, height)
    size, pad = _title_size(style, width, height)
    available = width * (1 - 2 * safe.side) - 2 * pad
    tokens = _tokens(hook.text, lambda t: measure(t, size, True) > available)
    lines, widest = _balanced(tokens, lambda t: measure(t, size, True), available)
    if widest > available:
        size = max(8, int(size * available / widest))
        pad = round(size * PAD)
    block = len(lines) * size + 2 * pad
    best, covers_face = _title_top(block, style, width, height, faces)
    seconds = min(hook.seconds, duration) if duration is not None else hook.seconds
    return HookLayout(
        hook,
        tuple(lines),
        size,
        best,
        best + block,
        seconds,
        width,
        height,
        style,
        covers_face=covers_face,
    )


def title_band(style: CaptionStyle, width: int, height: int) -> Band:
    """The rows the longest title (``MAX_LINES`` lines at full size) takes on a frame with no face
    in the way: what a picture drawn on every frame (an audiogram's) keeps clear of."""
    size, pad = _title_size(style, width, height)
    block = MAX_LINES * size + 2 * pad
    top, _ = _title_top(block, style, width, height, ())
    return (float(top), float(top + block))


def _title_size(style: CaptionStyle, width: int, height: int) -> tuple[int, int]:
    """The title's font size and its box's padding, in pixels, before any shrinking to fit."""
    size = max(8, round(style.font_size * SIZE * min(width, height) / 1080))
    return size, round(size * PAD)


def _title_top(block: int, style: CaptionStyle, width: int, height: int, faces: Sequence[Band]) -> tuple[int, bool]:
    """The top row of a title box ``block`` pixels tall: the highest place inside the safe area
    covering no face and clear of the captions, else the one covering the least face; and
    whether it covers one."""
    safe = safe_area(width, height)
    bottom_limit = round(height * (1 - safe.bottom)) - block
    top_limit = round(height * safe.top)
    places = list(range(top_limit, max(top_limit, bottom_limit) + 1, max(1, height // 100)))
    margin = height * FACE_MARGIN
    captions = captions_band(style, width, height)

    def covered(top: int, bands: Sequence[Band]) -> float:  # px, to a tenth (ties go to the higher place)
        return round(sum(max(0.0, min(top + block + margin, b) - max(top - margin, a)) for a, b in bands), 1)

    def cost(top: int) -> tuple:
        face = covered(top, faces)
        return (face > 0, covered(top, [captions]) > 0, face, top)

    best = min(places, key=cost)
    return best, covered(best, faces) > 0


def captions_band(style: CaptionStyle, width: int, height: int) -> Band:
    """The rows the captions may take: two lines of the style's size (keywords enlarged) at its
    position inside the safe area."""
    safe = safe_area(width, height)
    lines = CAPTION_LINES * style.font_size * style.emphasis_scale * min(width, height) / 1080
    if style.position == "top":
        return (height * safe.top, height * safe.top + lines)
    if style.position == "middle":
        return (height / 2 - lines / 2, height / 2 + lines / 2)
    bottom = height * (1 - max(style.margin_v, safe.bottom))
    return (bottom - lines, bottom)


def _tokens(text: str, too_wide: Callable[[str], bool]) -> list[str]:
    """The title's words; a word too wide for a line (a script written without spaces) in
    characters."""
    out: list[str] = []
    for word in text.split():
        out += list(word) if too_wide(word) else [word]
    return out


def _balanced(tokens: list[str], width: Callable[[str], float], available: float) -> tuple[list[str], float]:
    """The fewest lines (at most ``MAX_LINES``) whose widest fits in ``available``, balanced;
    when none fits, the ``MAX_LINES`` split whose widest is the narrowest. (lines, widest)."""

    def text(part: Sequence[str]) -> str:
        out = ""
        for token in part:
            out += (" " if out and spaced(out, token) else "") + token
        return out

    best: tuple[list[str], float] | None = None
    n = len(tokens)
    for count in range(1, min(MAX_LINES, n) + 1):
        for breaks in itertools.combinations(range(1, n), count - 1):
            bounds = (0, *breaks, n)
            lines = [text(tokens[a:b]) for a, b in zip(bounds, bounds[1:])]
            widest = max(width(line) for line in lines)
            if best is None or widest < best[1]:
                best = (lines, widest)
        if best is not None and best[1] <= available:
            return best
    assert best is not None
    return best


def with_hook(ass: str, layout: HookLayout) -> str:
    """The caption script ``ass`` with ``layout``'s title added: its style after the captions',
    its event (fading in and out) after theirs."""
    style = layout.style
    pad = round(layout.font_size * PAD)
    box = ass_colour(style.highlight)
    line = (
        f"Style: {STYLE_NAME},{style.font},{layout.font_size},{ass_colour(style.outline_colour)},"
        f"{box},{box},{box},-1,0,0,0,100,100,0,0,3,{pad},0,8,0,0,0,"
        f"{-1 if right_to_left(layout.hook.text) else 1}\n"
    )
    head, events = ass.split("\n[Events]\n", 1)
    x = layout.width // 2
    text = "\\N".join(ass_escape(part) for part in layout.lines)
    event = (
        f"Dialogue: 1,{ass_clock(0)},{ass_clock(round(layout.seconds * 100))},{STYLE_NAME},,0,0,0,,"
        f"{{\\an8\\pos({x},{layout.top + pad})\\fad({FADE_MS[0]},{FADE_MS[1]})}}{text}\n"
    )
    return head + line + "\n[Events]\n" + events + event


def place(
    hook: Hook,
    caption_style: CaptionStyle,
    frame: Framing,
    faces: Sequence[tuple[float, float, float, float, float]],
    to_source: Callable[[float], float],
    source_size: tuple[int, int],
    size: tuple[int, int],
    duration: float,
    measure_for: Callable[[CaptionStyle], Measure | None],
) -> HookLayout:
    """Where and how ``hook`` is drawn on a ``size`` clip of ``duration`` seconds: in its own
    style (``hook_style`` of the captions'), clear of the speaker's face in its seconds (``faces``
    in source time and pixels, drawn through ``frame``: ``face_bands``) and of the captions, its
    text measured by ``measure_for(style)``."""
    style = hook_style(caption_style, hook.text)
    bands = face_bands(frame.layout, frame.panels, faces, to_source, min(hook.seconds, duration), source_size, size)
    return layout_hook(hook, *size, style, measure_for(style), bands, duration)
