"""The root of the vocabulary: ``ClipstreamError``, with its stable ``code`` and ``retriable`` flag.
``streams.errors`` draws the whole tree."""

from __future__ import annotations


class ClipstreamError(Exception):
    """Base class. ``code`` is a stable machine-readable name; ``retriable`` says whether trying
    the same thing again later may succeed."""

    code = "clipstream_error"
    retriable = False

    def __init__(self, message: str, *, retriable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retriable is not None:
            self.retriable = retriable
