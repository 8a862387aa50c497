"""How a video's processing options read for the moments: the clip length range (how much two
clips may overlap is ``VideoOptions.max_overlap``, checked when the options are typed). Pure; the
API applies the same reading when a video is submitted (``api.options``), so options it accepts
never fail here."""

from __future__ import annotations

from streams.domain.options import VideoOptions
from streams.errors import InvalidOptions
from streams.moments.lengths import LengthRange, length_range


def clip_length(options: VideoOptions) -> LengthRange:
    """The clip length range the upload asked for: the ``length`` preset, else the user's
    ``min_seconds``/``max_seconds``."""
    try:
        return length_range(options.length, options.min_seconds, options.max_seconds)
    except (TypeError, ValueError) as exc:
        raise InvalidOptions(f"the clip length option is not usable: {exc}") from exc
