"""A word: its text as written (punctuation attached), when it is spoken, how sure the
recogniser was and, once the video's speakers are known, who said it.

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
    is the recogniser's (1.0 for a word it did not hear: a reference's, one a person typed);
    ``speaker`` who said it (a label such as ``S1``, or the name a person gave it; None where
    the speakers are not known)."""

    word: str
    start: float
    end: float
    probability: float = 1.0
    speaker: str | None = None

    def as_json(self) -> dict[str, Any]:
        """``{"word", "start", "end", "probability"}``, with ``"speaker"`` when it is known."""
        data = asdict(self)
        if self.speaker is None:
            del data["speaker"]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Word:
        """From ``{"word", "start", "end"[, "probability", "speaker"]}``, as stored and as the events carry it."""
        speaker = data.get("speaker")
        return cls(
            str(data["word"]),
            float(data["start"]),
            float(data["end"]),
            float(data.get("probability", 1.0)),
            None if speaker is None else str(speaker),
        )


def words_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[Word, ...]:
    return tuple(Word.from_json(w) for w in items)


class TimedWord(Protocol):
    """A word with its text and its ``start`` and ``end`` in seconds."""

    word: str
    start: float
    end: float
