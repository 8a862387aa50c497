"""How a video's processing options read for the moments: the clip length range and how much two
clips may overlap. Pure; the API applies the same readings when a video is submitted
(``api.options``), so options it accepts never fail here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streams.domain.options import VideoOptions
from streams.errors import InvalidOptions
from streams.moments.lengths import LengthRange, length_range


def clip_length(options: VideoOptions | Mapping[str, Any]) -> LengthRange:
    """The clip length range the upload asked for: the ``length`` preset, else the user's
    ``min_seconds``/``max_seconds``."""
    typed = VideoOptions.of(options)
    try:
        return length_range(typed.length, typed.min_seconds, typed.max_seconds)
    except (TypeError, ValueError) as exc:
        raise InvalidOptions(f"the clip length option is not usable: {exc}") from exc


def max_overlap(options: VideoOptions | Mapping[str, Any]) -> float:
    """The share of the shorter clip two clips may have in common (``max_overlap``)."""
    value = VideoOptions.of(options).max_overlap
    if not 0.0 <= value < 1.0:
        raise InvalidOptions(f"max_overlap must be at least 0 and below 1, got {value}")
    return value
