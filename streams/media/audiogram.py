"""The moving picture of an audio-only clip: bars that follow the voice (an *audiogram*, what podcast
tools put under the captions of a clip with no picture), drawn by FFmpeg from the clip's own sound.
Pure: builds filter-graph lines, runs nothing.

The bars are the spectrum of the sound as heard (after the loudness gain, so a quiet recording
moves them as much as a loud one): FFmpeg's ``showfreqs`` over the voice's band, a few wide bars,
mirrored left and right from the lowest frequency in the middle and reflected below, dimmer. They
take the caption style's highlight colour (a brand kit's, where it sets one), drawn translucent so
the captions stay the brightest thing on screen, in the band of the frame the captions and the
hook title leave free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from streams.media.ass import safe_area
from streams.media.captions import CaptionStyle

BARS = 24  # bars each side of the middle
VOICE_RATE = 16000  # Hz the spectrum is taken at: the voice's band up to 8 kHz fills the bars
WINDOW = 1024  # samples per spectrum (64 ms at VOICE_RATE)
GAIN = 2  # the bars' heights times this, clipped: speech's spectrum rarely reaches a bar's top
OPACITY = 0.65  # the bars over the background; the reflection below at half that
# Where the bars' middle sits, as a fraction of the frame's height, for each caption position:
# between the hook title (drawn at the top) and the captions, or below captions drawn mid-frame.
CENTRE = {"bottom": 0.45, "middle": 0.72, "top": 0.62}
HEIGHT = 0.14  # the bars and their reflection together, as a fraction of the frame's height
HALF = 64  # rows of the spectrum drawn for the bars above the middle (scaled to the box)
BACKGROUND = "#14141c"  # near-black behind the bars and captions, where the brand kit names no colour


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


class Drawing(NamedTuple):
    """An audiogram as the render's ffmpeg run takes it: ``source``, the lavfi input the bars are
    drawn over, and the graph ``lines`` from the sound to the framed picture (the last left open)."""

    source: str
    lines: list[str]


def drawing(
    sound: str, box_source: str, style: CaptionStyle, size: tuple[int, int], fps: float, background: str | None
) -> Drawing:
    """The audiogram of the audio labelled ``sound`` on a ``size`` frame of ``background``
    (``#RRGGBB``; None: ``BACKGROUND``), ``fps`` frames a second, whose captions are drawn in
    ``style``; ``box_source`` is the label the ffmpeg run gives ``Drawing.source``."""
    width, height = size
    box = placement(style, width, height)
    colour = _ffmpeg_colour(background or BACKGROUND)
    return Drawing(
        # A colour source the size of the box, in the frame's own pixel format: the rest of the
        # frame is padding (drawing over the whole frame cost twice as much), and a box drawn in
        # RGB and converted came out a shade darker than the padding, a visible rectangle.
        f"color=c={colour}:s={box.width}x{box.height}:r={fps:g},format=yuv420p",
        [
            *_bars(sound, style, box, fps),
            f"{box_source}[bars]overlay=format=yuv420,pad={width}:{height}:{box.x}:{box.y}:color={colour}",
        ],
    )


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
