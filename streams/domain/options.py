"""A video's processing options, typed (``VideoOptions``): read once from what the API accepted and
stored, and handed to every stage as they are.

The options' names, types, ranges and defaults are declared once, in the ``upload_received``
contract (``schemas/events/upload_received.schema.json``, read by ``option_contract``):
``defaults`` and ``aspect_ratios`` come from it, and the API validates a submission against it
(``api.options``). The brand kit is typed too (``streams.domain.brand.BrandKit``), so a video's
options are read and checked whole, once. What a video's stored options state is kept as it was
accepted (``as_json``), so the API answers with exactly what it stored; the stages read the typed
fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from streams.domain.brand import BrandKit
from streams.domain.option_contract import choices, in_order, properties
from streams.errors import InvalidOptions


def defaults() -> Mapping[str, Any]:
    """Each option's default, as the contract declares it (a ``number`` is a float, 20.0)."""
    return MappingProxyType({name: _as_declared(spec) for name, spec in properties().items()})


def _as_declared(spec: Mapping[str, Any]) -> Any:
    default = spec["default"]
    return float(default) if spec.get("type") == "number" and isinstance(default, int) else default


def clip_seconds() -> tuple[float, float]:
    """The shortest and longest a clip may be, in seconds, as the contract bounds ``min_seconds``."""
    spec = properties()["min_seconds"]
    return float(spec["minimum"]), float(spec["maximum"])


def aspect_ratios() -> tuple[str, ...]:
    """The aspect ratios a clip may be rendered in, as the contract lists them."""
    return choices("aspect_ratios")


# A clip's frame: 1080 pixels on its short side, the long side by the ratio.
SHORT_SIDE = 1080


def frame_size(aspect: str) -> tuple[int, int]:
    """The width and height a clip of ``aspect`` ("9:16": width to height) is rendered at."""
    width, height = (int(part) for part in aspect.split(":"))
    if width <= height:
        return SHORT_SIDE, round(SHORT_SIDE * height / width)
    return round(SHORT_SIDE * width / height), SHORT_SIDE


ASPECTS: Mapping[str, tuple[int, int]] = MappingProxyType({aspect: frame_size(aspect) for aspect in aspect_ratios()})

# What every video's stored options state, defaults filled in when the submission leaves them
# out (the others are stored only when given: a video stored before one existed reads its default).
STATED = (
    "clip_count",
    "min_seconds",
    "max_seconds",
    "aspect_ratios",
    "caption_style",
    "language",
    "trim",
    "hook_title",
    "emphasis",
    "emoji",
)


@dataclass(frozen=True)
class VideoOptions:
    """Attributes (``schemas/events/upload_received.schema.json`` describes each):
    clip_count: how many clips to choose.
    min_seconds, max_seconds: the clip length range, unless ``length`` names a preset.
    length: a clip length preset ("15-30", "30-60", "60-90") or None.
    max_overlap: the share of the shorter of two clips they may have in common.
    aspect_ratios: each clip is rendered in each of these.
    caption_style: the captions' style.
    language: "auto" or the language spoken (Whisper's code).
    framing: "auto", "speaker", "center" or "still".
    trim: "off", "pauses" or "pauses+fillers".
    hook_title, emphasis, emoji: the editing choices (``streams.media.editing``).
    brand: the brand kit (``streams.domain.brand.BrandKit``), or None.
    stated: the options as stored (``as_json``).
    """

    clip_count: int
    min_seconds: float
    max_seconds: float
    length: str | None
    max_overlap: float
    aspect_ratios: tuple[str, ...]
    caption_style: str
    language: str
    framing: str
    trim: str
    hook_title: bool
    emphasis: bool
    emoji: bool
    brand: BrandKit | None
    stated: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_overlap < 1.0:  # the contract allows 0 to 0.5; below 1 keeps selection sound
            raise InvalidOptions(f"max_overlap must be at least 0 and below 1, got {self.max_overlap}")

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> VideoOptions:
        """The options a video states (``value``: as stored, or as accepted), each one it leaves
        out at its default."""
        known = {**defaults(), **{k: v for k, v in value.items() if v is not None}}
        brand = BrandKit.from_json(known["brand"]) if known["brand"] is not None else None
        try:
            return cls._typed(known, brand, value)
        except (TypeError, ValueError) as exc:
            raise InvalidOptions(f"the options are not usable: {exc}") from None

    @classmethod
    def _typed(cls, known: Mapping[str, Any], brand: BrandKit | None, value: Mapping[str, Any]) -> VideoOptions:
        return cls(
            clip_count=int(known["clip_count"]),
            min_seconds=float(known["min_seconds"]),
            max_seconds=float(known["max_seconds"]),
            length=known["length"],
            max_overlap=float(known["max_overlap"] or 0.0),
            aspect_ratios=tuple(known["aspect_ratios"]),
            caption_style=str(known["caption_style"]),
            language=str(known["language"]),
            framing=str(known["framing"]),
            trim=str(known["trim"]),
            hook_title=bool(known["hook_title"]),
            emphasis=bool(known["emphasis"]),
            emoji=bool(known["emoji"]),
            brand=brand,
            stated=MappingProxyType(dict(value)),
        )

    @classmethod
    def of(cls, value: VideoOptions | Mapping[str, Any]) -> VideoOptions:
        """``value`` typed: itself, or read from its JSON (``from_json``)."""
        return value if isinstance(value, VideoOptions) else cls.from_json(value)

    def as_json(self) -> dict[str, Any]:
        """The options as stored and as the API shows them, in the contract's order: PostgreSQL's
        jsonb keeps keys in an order of its own, so a stored video's options read back reordered
        (``GET /v1/videos`` differed from the ``POST`` that made it); the brand kit's own keys in
        its fields' order."""
        shown = in_order(self.stated, properties())
        if isinstance(shown.get("brand"), Mapping):
            shown["brand"] = BrandKit.in_field_order(shown["brand"])
        return shown

    @property
    def logo_asset_id(self) -> str | None:
        """The brand asset the brand kit names for its logo (the API checked the id and that it is
        the tenant's when it took the options), or None."""
        return self.brand.logo_asset_id if self.brand is not None else None
