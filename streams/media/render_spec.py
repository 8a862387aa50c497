"""What a clip render is asked for and what it gives back: ``RenderSpec`` (checked on construction),
the output sizes of each aspect, the reframe plan as rendering reads it (``CropPlan``) and the
files written (``RenderedClip``); how the source is drawn is ``framing.Framing``. Pure."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, NamedTuple, Protocol, Sequence

from streams.domain.brand import BrandKit
from streams.domain.options import ASPECTS
from streams.domain.words import Word
from streams.errors import RenderError
from streams.media.brand import styled
from streams.media.captions import CAPTION_STYLES, CaptionStyle
from streams.media.framing import LAYOUTS
from streams.media.hook import Hook
from streams.media.trim import TrimPlan


class CropPlan(Protocol):
    """What rendering reads of a reframe plan (``reframe.layout.ReframePlan``); ``cuts`` and
    ``framing`` are optional and read with ``getattr``."""

    @property
    def layout(self) -> str: ...
    @property
    def crop_width(self) -> float: ...
    @property
    def crop_height(self) -> float: ...
    @property
    def keyframes(self) -> Sequence[Any]: ...
    @property
    def second(self) -> Sequence[Any]: ...


@dataclass(frozen=True)
class RenderSpec:
    """Attributes:
    source: the long video (or audio) file.
    start: clip start, seconds in the source.
    end: clip end, seconds in the source.
    aspect: a key of ``ASPECTS``.
    words: the captions, times relative to ``start``.
    caption_style: a key of ``captions.CAPTION_STYLES``.
    crop_center_x: where the static crop is centred, as a fraction (0-1) of the source width;
        None is the middle. The crop is clamped to stay inside the frame. Unused with a ``plan``.
    preset: libx264 preset (``ultrafast`` ... ``veryslow``).
    crf: libx264 constant rate factor (lower is better and bigger).
    audio_bitrate: AAC bitrate, e.g. ``128k``.
    fps: output frame rate; None keeps the source's, capped at ``MAX_FPS``.
    loudness: normalise to ``loudness.TARGET_LUFS`` with a true-peak ceiling (two passes).
    brand: a ``BrandKit`` applied over ``caption_style``; None: the preset alone.
    logo: the local file of the brand asset the kit names, drawn in its corner; None: no logo.
    plan: a ``reframe.layout.ReframePlan`` (``layout``, ``crop_width``, ``crop_height``,
        ``keyframes``, ``second``, ``cuts``; times in source seconds); None: the static crop.
    language: the ISO 639-1 code of the language spoken in the clip (the WebVTT ``Language:``
        header and the hand-off's ``captions.language``); None when unknown.
    faces: ``(t, x0, y0, x1, y1)`` boxes of the speaker's face in the source (source seconds and
        pixels; the reframe plan's ``faces``), so the thumbnail can prefer a frame whose drawn
        picture holds it; () when unknown.
    speaker_names: the names given to the speakers whose labels ``words`` carry (the SRT's
        ``Name:`` and the VTT's ``<v Name>``; ``Speaker N`` for a label without one).
    trim: what of ``[start, end]`` is kept (``streams.media.trim.TrimPlan``); None: all of it.
        With one, ``words`` are in the trimmed clip's time (``TrimPlan.words``) and ``duration``
        is the trimmed clip's.
    hook: the title drawn on screen over the clip's first seconds (``media.hook``); None: none.
    emphasis: the words of ``words`` drawn emphasised, by position, each with the symbol drawn
        after it ("" for none; ``media.emphasis.emphasised``).
    """

    source: Path
    start: float
    end: float
    aspect: str = "9:16"
    words: tuple[Word, ...] = ()
    caption_style: str = "bold"
    crop_center_x: float | None = None
    preset: str = "veryfast"
    crf: int = 21
    audio_bitrate: str = "128k"
    fps: float | None = None
    loudness: bool = True
    brand: BrandKit | None = None
    logo: Path | None = None
    plan: CropPlan | None = None
    faces: tuple[tuple[float, float, float, float, float], ...] = ()
    language: str | None = None
    speaker_names: Mapping[str, str] = field(default_factory=dict)
    trim: TrimPlan | None = None
    hook: Hook | None = None
    emphasis: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        plan = self.plan
        checks = (
            (self.aspect in ASPECTS, f"unknown aspect {self.aspect!r}; choose one of {', '.join(ASPECTS)}"),
            (
                self.caption_style in CAPTION_STYLES,
                f"unknown caption style {self.caption_style!r}; choose one of {', '.join(CAPTION_STYLES)}",
            ),
            (
                math.isfinite(self.start) and math.isfinite(self.end) and 0 <= self.start < self.end,
                f"clip must have 0 <= start < end, got start={self.start} end={self.end}",
            ),
            (
                self.crop_center_x is None or 0 <= self.crop_center_x <= 1,
                f"crop_center_x must be between 0 and 1, got {self.crop_center_x}",
            ),
            (self.fps is None or 0 < self.fps <= 120, f"fps must be between 0 and 120, got {self.fps}"),
            (
                self.brand is None or isinstance(self.brand, BrandKit),
                f"brand must be a BrandKit, got {type(self.brand).__name__}",
            ),
            (self.logo is None or self.brand is not None, "a logo is drawn as a brand kit says: give the kit too"),
            (
                plan is None or getattr(plan, "layout", None) in LAYOUTS,
                f"reframe plan layout must be one of {', '.join(LAYOUTS)}, got {getattr(plan, 'layout', None)!r}",
            ),
            (
                plan is None
                or getattr(plan, "layout", None) == "fit"
                or (_positive(getattr(plan, "crop_width", 0)) and _positive(getattr(plan, "crop_height", 0))),
                "reframe plan needs a positive crop_width and crop_height",
            ),
            (
                plan is None or getattr(plan, "layout", None) != "split" or len(getattr(plan, "second", ())) > 0,
                "a split reframe plan needs keyframes for its second panel",
            ),
            (
                all(isinstance(i, int) and 0 <= i < len(self.words) for i in self.emphasis),
                "emphasis names words by their position in the clip's words",
            ),
            (
                self.trim is None or (self.trim.start, self.trim.end) == (self.start, self.end),
                "the trim plan must be the clip's own (same start and end)",
            ),
            (
                self.language is None
                or (isinstance(self.language, str) and re.fullmatch(r"[a-z]{2,3}", self.language)),
                f"language must be an ISO 639 code such as 'en' or 'haw', got {self.language!r}",
            ),
        )
        for ok, problem in checks:
            if not ok:
                raise RenderError(problem)

    @property
    def duration(self) -> float:
        """Seconds of the rendered clip (the trimmed clip's, with a trim plan)."""
        return self.trim.duration if self.trimmed and self.trim is not None else self.end - self.start

    @property
    def span(self) -> float:
        """Seconds of the source the clip is cut from (``end - start``)."""
        return self.end - self.start

    @property
    def trimmed(self) -> bool:
        """Whether anything inside the clip is cut out."""
        return self.trim is not None and self.trim.trimmed

    def to_source(self, t: float) -> float:
        """Clip time ``t`` (0 at the clip's first frame) as time in the source, across the cuts."""
        return self.trim.to_source(t) if self.trim is not None and self.trim.trimmed else self.start + t

    @property
    def style(self) -> CaptionStyle:
        """The caption style drawn: the preset, with the brand kit over it."""
        return styled(CAPTION_STYLES[self.caption_style], self.brand)


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and value > 0


class RenderPaths(NamedTuple):
    """The ASS script to burn, the (temporary) MP4 to write, libass's font folder (None:
    fontconfig), and the ``sendcmd`` file that moves the crop (needed when the crop moves)."""

    ass: Path
    output: Path
    fonts_dir: Path | None = None
    commands: Path | None = None


@dataclass
class RenderedClip:
    mp4: Path
    srt: Path
    vtt: Path
    ass: Path
    thumbnail: Path
    duration: float
    width: int
    height: int
    handoff: Path  # the editor hand-off JSON (render_clip always writes one)
    gain_db: float | None = None
    thumbnail_at: float | None = None
    frames: int = 0  # frames encoded (duration x output frame rate)
    encode_seconds: float = 0.0  # wall time of the encoding run alone
    cover: Path | None = None  # an audio-only clip's cover art as a PNG, when its source has one
