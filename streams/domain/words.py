"""What every stage's word has: its text as written (punctuation attached) and when it is spoken.

A word is a ``streams.asr.whisper.Word`` as recognised and ranked (``streams.moments``), a
``TranscriptWord`` on the transcript topic and a ``CaptionWord`` when drawn; code that needs only
the text and the times takes any of them as a :class:`TimedWord`. Pure: the standard library
only.
"""

from __future__ import annotations

from typing import Protocol


class TimedWord(Protocol):
    """A word with its text and its ``start`` and ``end`` in seconds."""

    word: str
    start: float
    end: float
