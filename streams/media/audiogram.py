"""The moving picture of an audio-only clip: bars that follow the voice (an *audiogram*, what podcast
tools put under the captions of a clip with no picture), drawn by FFmpeg from the clip's own sound.
Pure: builds filter-graph lines, runs nothing.

The bars are the spectrum of the sound as heard (after the loudness gain, so a quiet recording
moves them as much as a loud one): FFmpeg's ``showfreqs`` over the voice's band, a few wide bars,
mirrored left and right from the lowest frequency in the middle and reflected below, dimmer. They
take the caption style's highlight colour (a brand kit's, where it sets one), drawn translucent so
the captions stay the brightest thing on screen, in the band of the frame the captions and the
hook title leave free.

A source with cover art (a podcast's MP3 or M4A usually has one) gets it drawn too: sharp, above
the bars (beside them on a frame too short for that), and blurred and dimmed over the whole frame
behind everything, unless a brand kit names a background colour. The cover goes in the largest
band the longest hook title and the captions leave free; where no band holds it at a fifth of the
frame's shorter side, only its blur is drawn. A video whose picture never changes (a "video
podcast": one image over the sound, ``reframe.stillness``) is drawn the same way, its picture the
cover, at its own shape (``Art``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from streams.domain.brand import BrandKit
from streams.media.ass import safe_area
from streams.media.audio import seek_input
from streams.media.captions import CaptionStyle
from streams.media.hook import Band, captions_band, title_band

if TYPE_CHECKING:
    from streams.media.render_spec import RenderSpec

BARS = 24  # bars each side of the middle
VOICE_RATE = 16000  # Hz the spectrum is taken at: the voice's band up to 8 kHz fills the bars
WINDOW = 1024  # samples per spectrum (64 ms at VOICE_RATE)
GAIN = 2  # the bars' heights times this, clipped: speech's spectrum rarely reaches a bar's top
OPACITY = 0.65  # the bars over the background; the reflection below at half that
# Where the bars' middle sits, as a fraction of the frame's height, for each caption position:
# between the hook title (drawn at the top) and the captions, or below captions drawn mid-frame.
CENTRE = {"bottom": 0.45, "middle": 0.72, "top": 0.62}
HEIGHT = 0.14  # the bars and their reflection together, as a fraction of the frame's height
LAST_FRAMES = 2  # a still cover past its pictures' end is read this many frames before it
COVER_SECONDS = 1.0  # how much of the source the cover's input reads: the picture comes first
HALF = 64  # rows of the spectrum drawn for the bars above the middle (scaled to the box)
BACKGROUND = "#14141c"  # near-black behind the bars and captions, where the brand kit names no colour
COVER_SMALLEST = 0.2  # a sharp cover under this share of the frame's shorter side (as a square) is left out
BESIDE = 0.8  # a cover beside the bars is taken over one above them only when it is larger by 1 / BESIDE
BESIDE_WIDEST = 3  # bars beside the cover are at most this many times as wide as it
COVER_WIDEST = 0.6  # the tallest a cover is drawn (a square's widest), as a share of the safe area's width
SPACING = 0.02  # between the cover, the bars, the title and the captions, as a share of the frame's height
BLUR = 0.03  # the background cover's blur (Gaussian sigma), as a share of the frame's shorter side
DIM = 0.4  # the background cover's brightness against the cover's
MUTE = 0.6  # the background cover's colour strength against the cover's


@dataclass(frozen=True)
class Placement:
    """Where the bars are drawn on the frame, in pixels: the top left corner and the size of the
    bars with their reflection (all even; ``width`` is whole bars)."""

    x: int
    y: int
    width: int
    height: int


def placement(style: CaptionStyle, width: int, height: int) -> Placement:
    """The bars' box on a ``width`` x ``height`` frame whose captions are drawn in ``style``:
    inside the platforms' safe area, clear of the captions' band."""
    safe = safe_area(width, height)
    bar = max(2, int(width * (1 - 2 * safe.side)) // (2 * BARS))
    box_w, box_h = 2 * BARS * bar, max(4, round(height * HEIGHT / 2) * 2)
    centre = height * CENTRE[style.position]
    # Even corners: the frame's colour is sampled in 2x2 blocks (yuv420p).
    return Placement((width - box_w) // 4 * 2, round((centre - box_h / 2) / 2) * 2, box_w, box_h)


@dataclass(frozen=True)
class Cover:
    """Where the cover is drawn, in pixels: its top left corner and its size (all even)."""

    x: int
    y: int
    width: int
    height: int


class Layout(NamedTuple):
    """The bars' box (None when a brand kit turns them off) and, for a source with a cover that
    fits, the cover's box."""

    bars: Placement | None
    cover: Cover | None


def layout(style: CaptionStyle, width: int, height: int, cover: float | None, bars: bool = True) -> Layout:
    """Where the bars and the cover go on a ``width`` x ``height`` frame whose captions are drawn
    in ``style``: without a ``cover`` (its width over its height), the bars at ``placement``; with
    one, the cover and the bars together in the free band that holds the largest cover (the bars
    under it, else beside it; without ``bars``, the cover alone, centred in it)."""
    fits: list[tuple[float, Layout]] = []
    aspect = cover if cover is not None and cover > 0 else 0.0
    for top, bottom in _free_rows(style, width, height) if aspect else []:
        shapes = [(_column(top, bottom, width, height, aspect, bars), 1.0)]
        shapes += [(_row(top, bottom, width, height, aspect), BESIDE)] if bars else []
        for found, weight in shapes:
            if found is not None and found.cover is not None:
                size = math.sqrt(found.cover.width * found.cover.height)  # a square's side
                if size >= COVER_SMALLEST * min(width, height):
                    fits.append((size * weight, found))
    if not fits:
        return Layout(placement(style, width, height) if bars else None, None)
    return max(fits, key=lambda scored: scored[0])[1]


def _free_rows(style: CaptionStyle, width: int, height: int) -> list[Band]:
    """The bands of rows inside the safe area clear of the longest title and of the captions."""
    safe = safe_area(width, height)
    spacing = SPACING * height
    taken = sorted([title_band(style, width, height), captions_band(style, width, height)])
    free, row = [], height * safe.top
    for top, bottom in taken:
        if top - spacing > row:
            free.append((row, top - spacing))
        row = max(row, bottom + spacing)
    if height * (1 - safe.bottom) > row:
        free.append((row, height * (1 - safe.bottom)))
    return free


def _column(top: float, bottom: float, width: int, height: int, aspect: float, bars: bool = True) -> Layout | None:
    """The cover (``aspect``: its width over its height) with the bars under it (or alone),
    centred in the rows ``top`` to ``bottom``."""
    safe_width = width * (1 - 2 * safe_area(width, height).side)
    bars_height, spacing = (_even(height * HEIGHT), SPACING * height) if bars else (0, 0.0)
    tall = _even(min(bottom - top - bars_height - spacing, COVER_WIDEST * safe_width, safe_width / aspect) - 1)
    wide = _even(tall * aspect)
    if tall <= 0 or wide <= 0:
        return None
    y = top + (bottom - top - tall - spacing - bars_height) / 2
    cover = Cover(_even((width - wide) / 2), _even(y), wide, tall)
    if not bars:
        return Layout(None, cover)
    bar = max(2, int(safe_width) // (2 * BARS))
    return Layout(
        Placement(_even((width - 2 * BARS * bar) / 2), _even(y + tall + spacing), 2 * BARS * bar, bars_height), cover
    )


def _row(top: float, bottom: float, width: int, height: int, aspect: float) -> Layout | None:
    """The cover (``aspect``: its width over its height) with the bars beside it (to its right),
    centred in the rows ``top`` to ``bottom``."""
    side_margin = width * safe_area(width, height).side
    room, spacing = width - 2 * side_margin, SPACING * height
    tall = _even(min(bottom - top, COVER_WIDEST * room / aspect) - 1)
    wide = _even(tall * aspect)
    bar = int(min(room - wide - spacing, BESIDE_WIDEST * wide)) // (2 * BARS)
    if tall <= 0 or wide <= 0 or bar < 2:
        return None
    bars_width, bars_height = 2 * BARS * bar, min(_even(height * HEIGHT), tall)
    x = side_margin + (room - wide - spacing - bars_width) / 2
    y = top + (bottom - top - tall) / 2
    bars = Placement(_even(x + wide + spacing), _even(y + (tall - bars_height) / 2), bars_width, bars_height)
    return Layout(bars, Cover(_even(x), _even(y), wide, tall))


def _even(value: float) -> int:
    """``value`` rounded down to an even pixel: the frame's colour is sampled in 2x2 blocks (yuv420p)."""
    return int(value) // 2 * 2


class Art(NamedTuple):
    """The picture an audiogram draws as its cover: the source's stream ``stream`` (an FFmpeg
    stream specifier) read from the file's first packet (``at`` None: cover art, stamped before
    the sound starts) or from ``at`` source seconds (a still video's picture); ``aspect``, the
    shape it is drawn at (width over height: cover art is fitted in a square)."""

    stream: str
    at: float | None = None
    aspect: float = 1.0


def art(info: Any, still_at: float | None = None) -> Art | None:
    """The cover of a clip of the source ``info`` describes (a ``SourceInfo``, read by attribute):
    for a still video (``still_at``: the clip's start, source seconds) its own picture there, or
    its last one when its pictures end earlier (``info.picture_end``), else its cover art
    (``info.artwork``); None without either."""
    if still_at is not None and info.width and info.height:
        if info.picture_end is not None:  # a seek past the last picture finds none, and the render waits
            still_at = min(still_at, max(0.0, info.picture_end - LAST_FRAMES / (info.fps or 25.0)))
        return Art("v:0", still_at, info.width / info.height)
    return None if info.artwork is None else Art(str(info.artwork))


class Choices(NamedTuple):
    """What an audio-only clip's picture holds, a brand kit's switches applied: the cover to draw
    (None: none), whether the bars are drawn, and the background colour (``#RRGGBB``; None: the
    cover's blur, or ``BACKGROUND`` without a cover)."""

    cover: Art | None
    bars: bool
    background: str | None


def choices(brand: BrandKit | None, cover: Art | None) -> Choices:
    """The ``Choices`` for a source whose cover is ``cover`` (``art``) under ``brand``: the cover
    and the bars unless the kit turns them off."""
    if brand is None:
        return Choices(cover, True, None)
    drawn = None if brand.audiogram_cover is False else cover
    return Choices(drawn, brand.audiogram_bars is not False, brand.background_colour)


def _picture(spec: RenderSpec, info: Any, still: bool, size: tuple[int, int]) -> tuple[Choices, Layout]:
    """What the clip ``spec`` of the source ``info`` draws (``choices``; ``still``: its picture is
    the cover, ``art``) and where (``layout``) on a ``size`` frame."""
    chosen = choices(spec.brand, art(info, spec.start if still else None))
    aspect = None if chosen.cover is None else chosen.cover.aspect
    return chosen, layout(spec.style, *size, aspect, chosen.bars)


def described(spec: RenderSpec, info: Any, still: bool, size: tuple[int, int]) -> dict:
    """What ``drawing`` draws, as the editor hand-off records it (output pixels): the bars' box (None
    when off), the cover's box (None when it is not drawn sharp) and what is behind them
    (``#RRGGBB``, or ``"cover"`` for the cover's blur)."""
    chosen, (bars, box) = _picture(spec, info, still, size)
    behind = chosen.cover is not None and chosen.background is None
    return {
        "bars": None if bars is None else {"x": bars.x, "y": bars.y, "w": bars.width, "h": bars.height},
        "cover": None if box is None else {"x": box.x, "y": box.y, "w": box.width, "h": box.height},
        "background": "cover" if behind else (chosen.background or BACKGROUND),
    }


class Drawing(NamedTuple):
    """An audiogram as the render's ffmpeg run takes it: ``inputs``, the ffmpeg input options of
    what the bars are drawn over (a colour, or the source's cover art; the run's first input), and
    the graph ``lines`` from the sound to the framed picture (the last left open); ``heard``:
    whether they read the sound (the bars do)."""

    inputs: list[str]
    lines: list[str]
    heard: bool = True


def drawing(sound: str, spec: RenderSpec, info: Any, still: bool, size: tuple[int, int], fps: float) -> Drawing:
    """The picture for the audio labelled ``sound`` of the clip ``spec`` of the source ``info``
    describes (a ``SourceInfo``; ``still``: a still video, its picture the cover, else its cover
    art, ``art``), under the clip's brand kit (``choices``), on a ``size`` frame, ``fps`` frames a
    second."""
    chosen, drawn = _picture(spec, info, still, size)
    source, style = spec.source, spec.style
    width, height = size
    if chosen.cover is not None and (drawn.cover is not None or chosen.background is None):
        return _with_cover(sound, source, chosen, style, drawn, size, fps)
    colour = _ffmpeg_colour(chosen.background or BACKGROUND)
    box = drawn.bars
    if box is None:  # captions on the colour alone
        return Drawing(["-f", "lavfi", "-i", f"color=c={colour}:s={width}x{height}:r={fps:g}"], ["[0:v]null"], False)
    return Drawing(
        # A colour source the size of the box, in the frame's own pixel format: the rest of the
        # frame is padding (drawing over the whole frame cost twice as much), and a box drawn in
        # RGB and converted came out a shade darker than the padding, a visible rectangle.
        ["-f", "lavfi", "-i", f"color=c={colour}:s={box.width}x{box.height}:r={fps:g},format=yuv420p"],
        [
            *_bars(sound, style, box, fps),
            f"[0:v][bars]overlay=format=yuv420,pad={width}:{height}:{box.x}:{box.y}:color={colour}",
        ],
    )


def _with_cover(
    sound: str,
    source: Path | str,
    chosen: Choices,
    style: CaptionStyle,
    drawn: Layout,
    size: tuple[int, int],
    fps: float,
) -> Drawing:
    """``drawing`` for a source with a cover: the still picture (the background, the cover) is
    composed once from the cover's one frame and repeated; the bars are laid over it each frame."""
    width, height = size
    bars, cover = drawn
    assert chosen.cover is not None
    still = f"loop=loop=-1:size=1,setpts=N/({fps:g}*TB),fps={fps:g}[still]"
    first = "" if chosen.cover.at is None else "trim=end_frame=1,"  # a still video: its first frame
    picture = f"[0:{chosen.cover.stream}]{first}setsar=1,format=yuv420p"
    if chosen.background is not None:  # the kit's colour rather than the cover's blur
        lines = [
            f"color=c={_ffmpeg_colour(chosen.background)}:s={width}x{height},format=yuv420p,trim=end_frame=1[behind]",
            f"{picture}[cover_front]",
        ]
    else:
        lines = [
            f"{picture},split[cover_back][cover_front]" if cover is not None else f"{picture}[cover_back]",
            f"[cover_back]scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},"
            f"gblur=sigma={round(BLUR * min(width, height))},"
            f"lutyuv=y=val*{DIM:g}:u=128+(val-128)*{MUTE:g}:v=128+(val-128)*{MUTE:g}[behind]",
        ]
    if cover is None:
        lines.append(f"[behind]{still}")
    else:
        w, h = cover.width, cover.height
        lines.append(f"[cover_front]scale={w}:{h}:force_original_aspect_ratio=decrease[cover]")
        lines.append(f"[behind][cover]overlay=x={cover.x}+({w}-w)/2:y={cover.y}+({h}-h)/2,{still}")
    if bars is None:
        lines.append("[still]null")
    else:
        lines += [*_bars(sound, style, bars, fps), f"[still][bars]overlay=x={bars.x}:y={bars.y}:format=yuv420"]
    return Drawing(seek_input(source, chosen.cover.at, COVER_SECONDS), lines, bars is not None)


def _bars(sound: str, style: CaptionStyle, box: Placement, fps: float) -> list[str]:
    """Graph lines drawing the bars of ``sound`` as a transparent picture ``[bars]`` of ``box``'s size."""
    colour = _ffmpeg_colour(style.highlight)
    spectrum = (
        f"showfreqs=s={BARS + 1}x{HALF * GAIN}:r={fps:g}:mode=bar:ascale=cbrt:fscale=log"
        f":win_size={WINDOW}:averaging=2:colors={colour}@{OPACITY:g}"
    )
    # One pixel a bar until the end, where the picture is scaled up to the box: mirroring and
    # dimming a few hundred pixels costs nothing beside doing it at the box's size.
    return [
        f"{sound}aresample={VOICE_RATE},aformat=channel_layouts=mono,{spectrum},"
        # The first bin (the lowest frequencies) is left out: it barely moves with speech.
        f"crop={BARS}:{HALF}:1:{HALF * (GAIN - 1)},split[bars_r][bars_l]",
        "[bars_l]hflip[bars_lf]",
        "[bars_lf][bars_r]hstack,split[bars_up][bars_down]",
        "[bars_down]vflip,colorchannelmixer=aa=0.5[bars_echo]",
        f"[bars_up][bars_echo]vstack,scale={box.width}:{box.height}:flags=neighbor[bars]",
    ]


def _ffmpeg_colour(rgb: str) -> str:
    """``#RRGGBB`` as FFmpeg's filter options take it, ``0xRRGGBB``."""
    return "0x" + rgb.lstrip("#")
