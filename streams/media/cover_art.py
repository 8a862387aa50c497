"""An audio-only source's cover art as a file of its own: the picture an editor's timeline shows
for its clips (``streams.timeline``), as the audiogram draws it (``audiogram``). The attached
picture is decoded and coded again as PNG by the renderer's confined ffmpeg, so what an editor
opens is a plain image, whatever the upload carried."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from streams.errors import RenderError
from streams.media.ffmpeg_args import cover_art_args
from streams.media.ffmpeg_run import run_ffmpeg


async def write_cover_art(ffmpeg: str, source: Path | str, stream: int, out: Path, part: Path) -> dict:
    """Write the picture of ``source``'s stream ``stream`` to ``out`` (through ``part``, renamed
    when complete); what the editor hand-off says of it (``file``, ``width``, ``height``).
    RenderError when ffmpeg fails or what it wrote is no picture."""
    await run_ffmpeg(ffmpeg, cover_art_args(source, stream, part), "cover art", 1.0)
    try:
        with Image.open(part) as picture:
            width, height = picture.size
    except (OSError, ValueError) as exc:  # Pillow: not an image
        raise RenderError(f"the cover art ffmpeg wrote for {out.name} is not a picture: {exc}") from exc
    os.replace(part, out)
    return {"file": out.name, "width": width, "height": height}
