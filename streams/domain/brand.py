"""A brand: the kit a video's options carry (``BrandKit``: how its captions and logo look), and a
brand asset as the catalog keeps it (``BrandAsset``: an image a tenant uploaded for its kit, the
logo, named in options by its id and stored under the tenant's prefix).

A kit overrides a caption preset field by field (``streams.media.brand`` draws it): whatever it
leaves as None keeps the preset's value, so ``bold`` and a kit with only ``highlight_colour`` is
the bold preset in the brand's colour. Options carry it as a JSON object under ``brand``, e.g.::

    {"font": "DejaVu Sans", "text_colour": "#FFFFFF", "highlight_colour": "#FF3366",
     "outline_colour": "#000000", "position": "bottom", "outline_width": 5, "uppercase": true,
     "keywords": ["free", "today"], "emphasis_colour": "#00E0FF", "logo_corner": "top-right",
     "logo_asset_id": "bra_0123456789abcdef01234567", "trim": "pauses", "hook_title": false}

A kit may also make the editing choices (``trim``, ``hook_title``, ``emphasis``, ``emoji``) for
every video that uses it; a video's own options come first. The logo is a brand asset
(``POST /v1/brand/assets``) named by its id, never a storage URI or a path.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.domain.envelope import iso_z
from streams.domain.option_contract import choices, in_order
from streams.errors import ContractError

ASSET_ID = re.compile(r"bra_[0-9a-f]{24}")
# The kit's field that names its logo: a brand asset of the tenant (``POST /v1/brand/assets``).
LOGO_FIELD = "logo_asset_id"
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
# Where captions may sit, bottom to top (always inside the platform-UI safe area).
POSITIONS = ("bottom", "middle", "top")
# The editing choices a kit may make for its videos (the options of the same names).
EDITING_CHOICES = ("trim", "hook_title", "emphasis", "emoji")
MAX_KEYWORDS = 50
MAX_SPEAKER_COLOURS = 8
_SWITCHES = ("hook_title", "emphasis", "emoji", "audiogram_bars", "audiogram_cover")
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
    background_colour: behind an audio-only clip's bars and captions, ``#RRGGBB`` (None: near-black,
        or the source's cover art blurred).
    audiogram_bars: draw bars that follow the voice in an audio-only clip (None: yes).
    audiogram_cover: draw the source's cover art in an audio-only clip (None: yes, when it has one).
    position: one of ``POSITIONS``.
    outline_width: outline thickness in px at 1080 (0-20).
    uppercase: burn captions in upper case.
    keywords: words drawn in the emphasis colour and bigger (case and punctuation ignored).
    logo_asset_id: the brand asset drawn in ``logo_corner`` (``ASSET_ID``); None: no logo.
    logo_corner: one of ``CORNERS``.
    logo_width: logo width as a fraction of the output width (0.03-0.5).
    logo_opacity: 0 (invisible) to 1 (opaque).
    speaker_colours: each speaker's caption colour, ``#RRGGBB`` (S1 first; at most 8); () keeps the
        preset's (``conversation`` has five; the others draw every speaker in the text colour).
    trim, hook_title, emphasis, emoji: the kit's editing choices (``EDITING_CHOICES``); None
        leaves each to the video's options and the defaults.
    A value out of its range is a ContractError naming the field.
    """

    font: str | None = None
    text_colour: str | None = None
    highlight_colour: str | None = None
    outline_colour: str | None = None
    emphasis_colour: str | None = None
    background_colour: str | None = None
    audiogram_bars: bool | None = None
    audiogram_cover: bool | None = None
    position: str | None = None
    outline_width: float | None = None
    uppercase: bool | None = None
    keywords: tuple[str, ...] = ()
    logo_asset_id: str | None = None
    logo_corner: str = "top-right"
    logo_width: float = 0.16
    logo_opacity: float = 1.0
    speaker_colours: tuple[str, ...] = ()
    trim: str | None = None
    hook_title: bool | None = None
    emphasis: bool | None = None
    emoji: bool | None = None

    def __post_init__(self) -> None:
        for name in ("text_colour", "highlight_colour", "outline_colour", "emphasis_colour", "background_colour"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and _COLOUR.fullmatch(value)):
                raise ContractError(f"brand {name} must be a #RRGGBB colour, got {value!r}")
        for ok, problem in self._checks():
            if not ok:
                raise ContractError(problem)

    def _checks(self) -> tuple[tuple[bool, str], ...]:
        trims = choices("trim")
        return (
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
                self.logo_asset_id is None
                or (isinstance(self.logo_asset_id, str) and ASSET_ID.fullmatch(self.logo_asset_id) is not None),
                f"brand {LOGO_FIELD} must be a brand asset id (bra_ and 24 hex digits)",
            ),
            (
                isinstance(self.speaker_colours, tuple)
                and len(self.speaker_colours) <= MAX_SPEAKER_COLOURS
                and all(isinstance(c, str) and _COLOUR.fullmatch(c) for c in self.speaker_colours),
                f"brand speaker_colours must be at most {MAX_SPEAKER_COLOURS} #RRGGBB colours, "
                f"got {self.speaker_colours!r}",
            ),
            (
                self.trim is None or self.trim in trims,
                f"brand trim must be one of {', '.join(trims)}, got {self.trim!r}",
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

    @classmethod
    def in_field_order(cls, stated: Mapping[str, Any]) -> dict[str, Any]:
        """``stated`` (a kit as given) with its keys in the order of the kit's fields, unknown last."""
        return in_order(stated, (f.name for f in dataclasses.fields(cls)))

    @classmethod
    def from_json(cls, options: object) -> BrandKit:
        """A kit from the ``brand`` object of a video's options. ContractError names the
        offending field (``options.brand...``)."""
        if not isinstance(options, Mapping):
            raise ContractError(f"options.brand must be a JSON object, got {type(options).__name__}")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - fields)
        if unknown:
            hint = (
                f" (a logo is a brand asset named by {LOGO_FIELD}: POST /v1/brand/assets)"
                if "logo_uri" in unknown
                else ""
            )
            raise ContractError(
                f"options.brand has unknown fields: {', '.join(unknown)}; known: {', '.join(sorted(fields))}{hint}"
            )
        asset = options.get(LOGO_FIELD)
        if asset is not None and not (isinstance(asset, str) and ASSET_ID.fullmatch(asset)):
            raise ContractError(f"options.brand.{LOGO_FIELD} must be a brand asset id (bra_ and 24 hex digits)")
        values = dict(options)
        for name, what in (("keywords", "words"), ("speaker_colours", "colours")):
            if name in values:
                if not isinstance(values[name], (list, tuple)):
                    raise ContractError(f"options.brand.{name} must be a list of {what}, got {values[name]!r}")
                values[name] = tuple(values[name])
        try:
            return cls(**values)
        except ContractError as exc:
            raise ContractError(f"options.{exc.message}") from None

    def editing_choices(self) -> dict[str, Any]:
        """The editing choices the kit makes (``EDITING_CHOICES`` it does not leave as None)."""
        return {name: getattr(self, name) for name in EDITING_CHOICES if getattr(self, name) is not None}


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class BrandAsset:
    """Attributes:
    asset_id: ``bra_`` and 24 hex digits; tenant_id: whose it is.
    filename: the name it was uploaded under; width, height: its size in pixels.
    size_bytes: the kept PNG's size; created_at: when it was uploaded.
    """

    asset_id: str
    tenant_id: str
    filename: str
    width: int
    height: int
    size_bytes: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> BrandAsset:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def as_json(self) -> dict:
        return {
            "asset_id": self.asset_id,
            "filename": self.filename,
            "width": self.width,
            "height": self.height,
            "size_bytes": self.size_bytes,
            "media_type": "image/png",
            "created_at": iso_z(self.created_at),
        }
