"""A rendered clip as the catalog keeps it, with what its moment says of it (rank, score, title,
reason, signals). Frozen; built by the catalog from a ``clips`` row joined to its moment."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from streams.domain.corrections import Corrected, words_mark
from streams.domain.video import known_columns

CLIP_FILES = ("mp4", "srt", "vtt", "thumbnail")
# What a clip's download may name: every clip's files, and the cover art an audio-only upload's
# clip keeps (its source's attached picture) where it has one (``Clip.files``).
CLIP_DOWNLOADS = (*CLIP_FILES, "cover")
CLIP_SUFFIXES = {  # as the renderer writes them (the editor hand-off too)
    "mp4": ".mp4",
    "srt": ".srt",
    "vtt": ".vtt",
    "thumbnail": ".jpg",
    "handoff": ".json",
    "cover": ".cover.png",  # an audio-only clip's cover art, when its source has one
}


@dataclass(frozen=True)
class Clip:
    """Attributes:
    clip_id: the clip's id; video_id, moment_id: the video and the moment it was cut from.
    aspect: ``9:16``, ``1:1``, ``4:5`` or ``16:9``; width, height: the rendered picture's size.
    start_s, end_s, duration: where it was cut, in the video's seconds, and its length.
    mp4_uri, srt_uri, vtt_uri, thumbnail_uri: where its files are stored.
    created_at: when it was first stored.
    variant: empty for the pipeline's own render, else the re-render's variant; caption_style: the
        style it was rendered with (None for clips rendered before the style was kept).
    rank, score, title, reason, signals: its moment's (rank None for a moment the final ranking
        superseded or a user-made one); is_final: whether the final ranking placed it;
        superseded: whether the final ranking dropped it; speakers: the labels of the voices heard
        in it, first heard first (empty where fewer than two voices are known).
    trimmed_seconds: the seconds of pauses and hesitations cut out inside it (``media.trim``):
        ``duration`` is ``end_s - start_s`` less these.
    words_mark: the mark of the corrected words it was drawn with (``streams.domain.corrections.
        words_mark``; empty: none); None for clips rendered before it was kept.
    cover_uri: where its cover art is stored (an audio-only upload's picture, as a PNG); None for a
        clip without, and for clips rendered before it was kept.
    """

    clip_id: str
    video_id: str
    moment_id: str
    aspect: str
    start_s: float
    end_s: float
    duration: float
    width: int
    height: int
    mp4_uri: str
    srt_uri: str
    vtt_uri: str
    thumbnail_uri: str
    created_at: datetime
    score: float
    title: str
    reason: str
    signals: Mapping[str, Any]
    rank: int | None = None
    is_final: bool = False
    superseded: bool = False
    variant: str = ""
    caption_style: str | None = None
    speakers: tuple[str, ...] = ()
    trimmed_seconds: float = 0.0
    words_mark: str | None = None
    cover_uri: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Clip:
        """From a ``clips`` row joined to its moment's columns (``signals`` already decoded)."""
        return cls(**known_columns(cls, row))

    def captions_current(self, corrected: Iterable[Corrected]) -> bool | None:
        """Whether its captions read as the transcript does now, the video's ``corrected`` words
        (those in its span at least) considered; None when its render kept no mark to compare."""
        return None if self.words_mark is None else self.words_mark == words_mark(corrected, self.start_s, self.end_s)

    @property
    def files(self) -> tuple[str, ...]:
        """The files it has to download: ``CLIP_FILES``, and ``cover`` where it keeps cover art."""
        return CLIP_DOWNLOADS if self.cover_uri else CLIP_FILES

    def file_uri(self, kind: str) -> str:
        """Where the file of ``kind`` (one of ``CLIP_FILES``) is stored."""
        if kind not in CLIP_FILES:
            raise ValueError(f"no clip file {kind!r}; one of {', '.join(CLIP_FILES)}")
        return str(getattr(self, f"{kind}_uri"))


@dataclass(frozen=True)
class Look:
    """What a re-render asked for beyond its caption style, as its clip's ``variant`` spells it
    (``bold:12.300-40.120:trim=off:hook_title=off``; ``:words=<digest>`` after it names the
    corrected words it was drawn with and is not a choice): its span when it was re-cut to another
    length, its trim and its editing switches, each None where the video's own options hold."""

    span: tuple[float, float] | None = None
    trim: str | None = None
    switches: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))

    def variant(self, style: str) -> str:
        """The variant of a clip in ``style`` with this look."""
        spelled = style if self.span is None else f"{style}:{self.span[0]:.3f}-{self.span[1]:.3f}"
        if self.trim is not None:
            spelled += f":trim={self.trim}"
        return spelled + "".join(f":{name}={'on' if on else 'off'}" for name, on in self.switches.items())


def look_of(variant: str) -> Look:
    """The look a clip's ``variant`` records (``Look.variant`` read back); the pipeline's own clip
    (variant empty) and a style alone have none of their own."""
    span, trim, switches = None, None, {}
    for part in variant.split(":")[1:]:
        name, _, value = part.partition("=")
        if not value and re.fullmatch(r"\d+(\.\d+)?-\d+(\.\d+)?", name):
            start, end = name.split("-")
            span = (float(start), float(end))
        elif name == "trim":
            trim = value
        elif value in ("on", "off"):
            switches[name] = value == "on"
    return Look(span, trim, MappingProxyType(switches))
