"""How a brand kit (``streams.domain.brand.BrandKit``) looks on a clip (pure: no I/O): its caption
choices over a preset (``styled``), and the kit as the editor hand-off records it (``brand_json``).
The logo itself is drawn by the renderer (``ffmpeg_args``) in the kit's corner, from the local copy
of the brand asset the kit names.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from streams.domain.brand import BrandKit
from streams.media.captions import CaptionStyle


def styled(base: CaptionStyle, kit: BrandKit | None) -> CaptionStyle:
    """``base`` with the kit's caption choices applied: whatever the kit leaves as None (or empty)
    keeps the preset's value."""
    if kit is None:
        return base
    changes: dict[str, Any] = {
        "font": kit.font,
        "primary": kit.text_colour,
        "highlight": kit.highlight_colour,
        "outline_colour": kit.outline_colour,
        "emphasis": kit.emphasis_colour,
        "position": kit.position,
        "outline": kit.outline_width,
        "uppercase": kit.uppercase,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if kit.keywords:
        changes["keywords"] = kit.keywords
    if kit.speaker_colours:
        changes["speaker_colours"] = kit.speaker_colours
    return dataclasses.replace(base, **changes)


def brand_json(kit: BrandKit, logo: Path | None) -> dict[str, Any]:
    """The kit as the editor hand-off JSON records it: every field, the logo by the file drawn
    (its name) where the kit names an asset."""
    data: dict[str, Any] = {}
    for field in dataclasses.fields(kit):
        value = getattr(kit, field.name)
        if field.name == "logo_asset_id":
            data["logo"] = logo.name if logo is not None else None
        else:
            data[field.name] = list(value) if isinstance(value, tuple) else value
    return data
