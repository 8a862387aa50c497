"""Checking an uploaded image (a brand kit's logo) and making the one copy of it that is kept.

The upload is decoded fully with Pillow (its decompression-bomb guard set to this module's pixel
limit) and must be a PNG, JPEG or WebP within :data:`MAX_SIDE` pixels a side. What is stored is
not the upload but a PNG encoded from its pixels: whatever else the file carried (metadata, a
script or page glued to it, a second format's header) is not in the copy.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

from streams.errors import NotAnImage

FORMATS = ("PNG", "JPEG", "WEBP")
MAX_BYTES = 1024 * 1024  # the API's body limit (max_body_bytes) by default
MAX_SIDE = 4096


@dataclass(frozen=True)
class CheckedImage:
    """An accepted image: ``png`` (the copy to keep) and its size in pixels."""

    png: bytes
    width: int
    height: int


def checked_image(data: bytes, display_name: str = "the file") -> CheckedImage:
    """``data`` as a checked image, or ``NotAnImage`` saying why not."""
    if not data:
        raise NotAnImage(f"{display_name} is empty")
    if len(data) > MAX_BYTES:
        raise NotAnImage(f"{display_name} is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
                if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
                    raise NotAnImage(f"{display_name} is {width}x{height}; at most {MAX_SIDE} pixels a side")
                image.load()
                pixels = image.convert("RGBA")
    except NotAnImage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAnImage(f"{display_name} is not a PNG, JPEG or WebP image that decodes") from None
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=False)
    return CheckedImage(out.getvalue(), width, height)
