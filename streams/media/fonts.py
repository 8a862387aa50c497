"""The caption fonts: DejaVu from the Debian package or any family fontconfig knows, and a measure of
rendered text width for line breaking (so captions wrap as libass will draw them)."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from streams.errors import ConfigError, RenderError
from streams.media.captions import CaptionStyle, Measure

FONTS_DIR = Path("/usr/share/fonts/truetype/dejavu")


def font_file(family: str, bold: bool) -> tuple[Path, int] | None:
    """The file (and face index in a collection) of ``family`` in its bold or regular face:
    DejaVu from ``FONTS_DIR``, any other family from fontconfig; None when it is not installed."""
    if family == "DejaVu Sans":
        path = FONTS_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
        return (path, 0) if path.is_file() else None
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}\t%{index}", f"{family}:{'bold' if bold else 'regular'}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = found.split("\t")
    if len(parts) != 3 or family not in parts[0].split(","):  # fc-match answers with a substitute
        return None
    return Path(parts[1]), int(parts[2] or 0)


def font_measure(style: CaptionStyle) -> Measure | None:
    """Text widths from the style's font file as libass will draw them (libass's font size is the
    font's ascent + descent, not its em); None when DejaVu is not there (widths then estimated).
    ``RenderError`` when a script's own font is missing: its captions would be drawn as boxes."""
    found = font_file(style.font, style.bold)
    if found is None:
        if style.font == "DejaVu Sans":
            return None
        raise RenderError(
            f"captions in this clip's script need the font {style.font}, which is not installed "
            f"(Debian packages fonts-noto-core and fonts-noto-cjk); run scripts/setup.sh"
        )
    path, index = found
    from PIL import ImageFont

    fonts: dict[int, tuple[ImageFont.FreeTypeFont, float]] = {}

    def measure(text: str, size: float, bold: bool) -> float:
        px = max(1, round(size))
        if px not in fonts:
            font = ImageFont.truetype(str(path), px, index=index)
            ascent, descent = font.getmetrics()
            fonts[px] = (font, px / (ascent + descent))
        font, ratio = fonts[px]
        return font.getlength(text) * ratio

    return measure


@functools.cache
def installed_families() -> frozenset[str]:
    """Every family name fontconfig lists (each of a font's names, in every language it gives),
    folded to lower case. libass draws a substitute for a family that is missing, without a word,
    so the API checks a brand kit's font against this when the video is submitted (the API and the
    renderer run from one image). ConfigError when fontconfig's ``fc-list`` is missing."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise ConfigError(
            "fc-list is not installed, so fonts cannot be checked: install fontconfig (Debian: fontconfig)"
        )
    listed = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, timeout=60, check=True).stdout
    return frozenset(
        name.strip().casefold() for line in listed.splitlines() for name in line.split(",") if name.strip()
    )


def is_installed(family: str) -> bool:
    return family.strip().casefold() in installed_families()
