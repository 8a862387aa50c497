"""A moment: a stretch of the video the ranking (or a person) chose, with its score, the signals
behind it, its title and reason. :class:`Moment` is what the moments agent announces and the API
records for a clip a person chose (``Catalog.save_moment``); :class:`StoredMoment` is what the
catalog gives back, with where it ranks. Both frozen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.domain.video import known_columns


@dataclass(frozen=True)
class Moment:
    """Attributes:
    moment_id: its id within the video (``streams.moments.moment_id``: from the video and the span).
    start, end: the span, in the video's seconds, on sentence bounds.
    score: 0-100; signals: each signal's share (0-100) of the score; reason, title: in words.
    speakers: the speaker labels heard in it, first heard first (empty where fewer than two
        voices are known).
    """

    moment_id: str
    start: float
    end: float
    score: float
    signals: Mapping[str, float]
    reason: str
    title: str
    speakers: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """As the ``moments_found`` event carries it (without its rank)."""
        return {
            "moment_id": self.moment_id,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "signals": dict(self.signals),
            "reason": self.reason,
            "title": self.title,
            "speakers": list(self.speakers),
        }


@dataclass(frozen=True)
class StoredMoment:
    """Attributes:
    video_id, moment_id: the video and the moment's id within it (from its span).
    start_s, end_s: the span, in the video's seconds, on sentence bounds.
    score: 0-100; signals: each signal's share (0-100) of the score; reason, title: in words.
    rank: its place in the ranking (None for a moment the final ranking dropped or one a person
        chose); is_final: placed by the final ranking; superseded: dropped by it.
    speakers: the speaker labels heard in it (as ``Moment``'s).
    created_at: when it was first stored.
    """

    video_id: str
    moment_id: str
    start_s: float
    end_s: float
    score: float
    signals: Mapping[str, Any]
    reason: str
    title: str
    created_at: datetime
    rank: int | None = None
    is_final: bool = False
    superseded: bool = False
    speakers: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> StoredMoment:
        """From a ``moments`` row (``signals`` already decoded)."""
        return cls(**known_columns(cls, row))
