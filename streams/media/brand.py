"""A brand kit: how a customer's captions and logo look on every clip (pure: no I/O).

The kit overrides a caption preset (``captions.CAPTION_STYLES``) field by field: whatever the kit
leaves as None keeps the preset's value, so ``bold`` + a kit with only ``highlight_colour`` is the
bold preset in the brand's colour. The logo is drawn by the renderer (``render.py``) in a corner.

Video options carry a kit as a JSON object under ``brand`` (``BrandKit.from_options``), e.g.::

    {"font": "DejaVu Sans", "text_colour": "#FFFFFF", "highlight_colour": "#FF3366",
     "outline_colour": "#000000", "position": "bottom", "outline_width": 5, "uppercase": true,
     "keywords": ["free", "today"], "emphasis_colour": "#00E0FF", "logo_corner": "top-right",
     "logo_asset_id": "bra_0123456789abcdef01234567", "trim": "pauses", "hook_title": false}

A kit may also make the editing choices (``media.editing``: ``trim``, ``hook_title``,
``emphasis``, ``emoji``) for every video that uses it; a video's own options come first.

The logo is a brand asset (``POST /v1/brand/assets``) named by its id, never a storage URI or a path.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from streams.domain.brand import ASSET_ID
from streams.domain.options import LOGO_FIELD
from streams.errors import ContractError, RenderError
from streams.media.captions import POSITIONS, CaptionStyle
from streams.media.trim import MODES as TRIM_MODES

CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
MAX_KEYWORDS = 50
MAX_SPEAKER_COLOURS = 8
_SWITCHES = ("hook_title", "emphasis", "emoji")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_FONT = re.compile(r"[\w .\-]{1,64}")  # a family name; no commas, which would end the ASS field


@dataclass(frozen=True)
class BrandKit:
    """Attributes:
    font: font family for captions (must be installed for libass; None: the preset's).
    text_colour: caption text colour, ``#RRGGBB``.
    highlight_colour: colour of the word being spoken.
    outline_colour: colour of the text outline.
    emphasis_colour: colour of ``keywords`` (None: the highlight colour).
    position: ``bottom``, ``middle`` or ``top`` (always inside the platform-UI safe area).
    outline_width: outline thickness in px at 1080 (0-20).
    uppercase: burn captions in upper case.
    keywords: words drawn in the emphasis colour and bigger (case and punctuation ignored).
    logo: an image file (PNG with alpha is best) drawn in ``logo_corner``; None: no logo.
    logo_corner: one of ``CORNERS``.
    logo_width: logo width as a fraction of the output width (0.03-0.5).
    logo_opacity: 0 (invisible) to 1 (opaque).
    speaker_colours: each speaker's caption colour, ``#RRGGBB`` (S1 first; at most 8); () keeps the
        preset's (``conversation`` has five; the others draw every speaker in the text colour).
    trim, hook_title, emphasis, emoji: the kit's editing choices (``media.editing.Editing``);
        None leaves each to the video's options and the defaults.
    """

    font: str | None = None
    text_colour: str | None = None
    highlight_colour: str | None = None
    outline_colour: str | None = None
    emphasis_colour: str | None = None
    position: str | None = None
    outline_width: float | None = None
    uppercase: bool | None = None
    keywords: tuple[str, ...] = ()
    logo: Path | None = None
    logo_corner: str = "top-right"
    logo_width: float = 0.16
    logo_opacity: float = 1.0
    speaker_colours: tuple[str, ...] = ()
    trim: str | None = None
    hook_title: bool | None = None
    emphasis: bool | None = None
    emoji: bool | None = None

    def __post_init__(self) -> None:
        for name in ("text_colour", "highlight_colour", "outline_colour", "emphasis_colour"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and _COLOUR.fullmatch(value)):
                raise RenderError(f"brand {name} must be a #RRGGBB colour, got {value!r}")
        checks = (
            (
                self.font is None or (isinstance(self.font, str) and _FONT.fullmatch(self.font) is not None),
                f"brand font must be a font family name (letters, digits, spaces, . - _), got {self.font!r}",
            ),
            (
                self.position is None or (isinstance(self.position, str) and self.position in POSITIONS),
                f"brand position must be one of {', '.join(POSITIONS)}, got {self.position!r}",
            ),
            (
                self.outline_width is None or (_number(self.outline_width) and 0 <= self.outline_width <= 20),
                f"brand outline_width must be between 0 and 20, got {self.outline_width!r}",
            ),
            (
                self.uppercase is None or isinstance(self.uppercase, bool),
                f"brand uppercase must be true or false, got {self.uppercase!r}",
            ),
            (
                isinstance(self.keywords, tuple)
                and len(self.keywords) <= MAX_KEYWORDS
                and all(isinstance(k, str) and 0 < len(k.strip()) <= 40 for k in self.keywords),
                f"brand keywords must be at most {MAX_KEYWORDS} words of 1-40 characters, got {self.keywords!r}",
            ),
            (
                isinstance(self.speaker_colours, tuple)
                and len(self.speaker_colours) <= MAX_SPEAKER_COLOURS
                and all(isinstance(c, str) and _COLOUR.fullmatch(c) for c in self.speaker_colours),
                f"brand speaker_colours must be at most {MAX_SPEAKER_COLOURS} #RRGGBB colours, "
                f"got {self.speaker_colours!r}",
            ),
            (
                self.trim is None or self.trim in TRIM_MODES,
                f"brand trim must be one of {', '.join(TRIM_MODES)}, got {self.trim!r}",
            ),
            (
                all(getattr(self, n) is None or isinstance(getattr(self, n), bool) for n in _SWITCHES),
                f"brand {', '.join(_SWITCHES)} must each be true or false",
            ),
            (
                isinstance(self.logo_corner, str) and self.logo_corner in CORNERS,
                f"brand logo_corner must be one of {', '.join(CORNERS)}, got {self.logo_corner!r}",
            ),
            (
                _number(self.logo_width) and 0.03 <= self.logo_width <= 0.5,
                f"brand logo_width must be between 0.03 and 0.5 of the frame width, got {self.logo_width!r}",
            ),
            (
                _number(self.logo_opacity) and 0 <= self.logo_opacity <= 1,
                f"brand logo_opacity must be between 0 and 1, got {self.logo_opacity!r}",
            ),
        )
        for ok, problem in checks:
            if not ok:
                raise RenderError(problem)

    def style(self, base: CaptionStyle) -> CaptionStyle:
        """``base`` with this kit's choices applied."""
        changes: dict[str, Any] = {
            "font": self.font,
            "primary": self.text_colour,
            "highlight": self.highlight_colour,
            "outline_colour": self.outline_colour,
            "emphasis": self.emphasis_colour,
            "position": self.position,
            "outline": self.outline_width,
            "uppercase": self.uppercase,
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        if self.keywords:
            changes["keywords"] = self.keywords
        if self.speaker_colours:
            changes["speaker_colours"] = self.speaker_colours
        return dataclasses.replace(base, **changes)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, logo: Path | None = None) -> BrandKit:
        """A kit from the ``brand`` object of a video's options. ``logo`` is the local file of the
        brand asset the options name by ``logo_asset_id`` (fetched by the caller; options never
        name a path or a storage URI). ContractError names the offending field."""
        if not isinstance(options, Mapping):
            raise ContractError(f"options.brand must be a JSON object, got {type(options).__name__}")
        fields = {f.name for f in dataclasses.fields(cls)} - {"logo"}
        unknown = sorted(set(options) - fields - {LOGO_FIELD})
        if unknown:
            hint = (
                f" (a logo is a brand asset named by {LOGO_FIELD}: POST /v1/brand/assets)"
                if "logo_uri" in unknown
                else ""
            )
            raise ContractError(
                f"options.brand has unknown fields: {', '.join(unknown)}; "
                f"known: {', '.join(sorted(fields | {LOGO_FIELD}))}{hint}"
            )
        asset = options.get(LOGO_FIELD)
        if asset is not None and not (isinstance(asset, str) and ASSET_ID.fullmatch(asset)):
            raise ContractError(f"options.brand.{LOGO_FIELD} must be a brand asset id (bra_ and 24 hex digits)")
        values = {k: v for k, v in options.items() if k in fields}
        if "keywords" in values:
            if not isinstance(values["keywords"], (list, tuple)):
                raise ContractError(f"options.brand.keywords must be a list of words, got {values['keywords']!r}")
            values["keywords"] = tuple(values["keywords"])
        if "speaker_colours" in values:
            if not isinstance(values["speaker_colours"], (list, tuple)):
                raise ContractError(
                    f"options.brand.speaker_colours must be a list of colours, got {values['speaker_colours']!r}"
                )
            values["speaker_colours"] = tuple(values["speaker_colours"])
        try:
            return cls(**values, logo=logo)
        except RenderError as exc:
            raise ContractError(f"options.{exc.message}") from None

    def as_json(self) -> dict[str, Any]:
        """The kit as JSON-ready values (the logo by file name)."""
        data = dataclasses.asdict(self)
        data["keywords"] = list(self.keywords)
        data["speaker_colours"] = list(self.speaker_colours)
        data["logo"] = self.logo.name if self.logo else None
        return data


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
