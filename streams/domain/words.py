"""A word: its text as written (punctuation attached), when it is spoken and how sure the
recogniser was.

One frozen :class:`Word` is what Whisper's answers become (``streams.asr``), what sentences,
signals and moments are built from (``streams.moments``), what search indexes and what captions
and hand-offs draw (``streams.media``); a reference transcript's words are ones too
(``streams.asr.alignment``). On the transcript topic a word travels as the worker's Faust record
``TranscriptWord``, and in the catalog as JSON; code that needs only the text and the times takes
any of them as a :class:`TimedWord`. Pure: the standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Word:
    """A word and its ``start`` and ``end`` in seconds from the start of the media; ``probability``
    is the recogniser's (1.0 for a word it did not hear: a reference's, one a person typed)."""

    word: str
    start: float
    end: float
    probability: float = 1.0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Word:
        """From ``{"word", "start", "end"[, "probability"]}``, as stored and as the events carry it."""
        return cls(str(data["word"]), float(data["start"]), float(data["end"]), float(data.get("probability", 1.0)))


def words_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[Word, ...]:
    return tuple(Word.from_json(w) for w in items)


class TimedWord(Protocol):
    """A word with its text and its ``start`` and ``end`` in seconds."""

    word: str
    start: float
    end: float
