"""A transcript chunk as the catalog keeps it: the words heard in one stretch of audio, the
languages they were in, and what was measured there (loudness, pitch, faces on screen, scene
cuts). Frozen; the catalog builds it from a ``transcript_chunks`` row, and the moments, the renderer,
search and the API read it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.domain.corrections import Corrected
from streams.domain.words import Word


@dataclass(frozen=True)
class TranscriptChunk:
    """Attributes:
    chunk_index: the chunk's place in the video (0 first); start_s, end_s: its stretch, in the
        video's seconds.
    language: the language most spoken in it; language_probability: how sure identification was
        (None when the upload named the language); languages: the spans heard, each
        ``{"language", "start", "end"}`` in video seconds (empty for chunks stored before spans).
    words: what was said, in video time; segments: Whisper's segments, each ``{"text", "start",
        "end", ...}`` as recognised.
    energy, pitch: the loudness envelope and pitch track from its start (pitch empty for chunks
        stored before it was measured).
    faces: ``(seconds, faces on screen)`` samples; cuts: scene cuts; each None where the chunk's
        picture was not looked at.
    voices: the voices heard, as ``streams.speakers.voices.Voices.as_json`` writes them (None:
        not diarized); the video's speakers are worked out from every chunk's.
    event_id, created_at: those of the chunk's ``TranscriptChunkReady``.
    corrected: the words in it a person corrected (``streams.domain.corrections``), as they read now.
    """

    chunk_index: int
    start_s: float
    end_s: float
    language: str
    words: tuple[Word, ...]
    segments: tuple[Mapping[str, Any], ...] = ()
    languages: tuple[Mapping[str, Any], ...] = ()
    language_probability: float | None = None
    energy: tuple[float, ...] = ()
    pitch: tuple[float, ...] = ()
    faces: tuple[tuple[float, int], ...] | None = None
    cuts: tuple[float, ...] | None = None
    voices: Mapping[str, Any] | None = None
    event_id: str = ""
    created_at: datetime | None = None
    corrected: tuple[Corrected, ...] = ()

    def words_json(self) -> list[dict[str, Any]]:
        """The words as the API and the events write them: ``{"word", "start", "end", "probability"}``."""
        return [w.as_json() for w in self.words]
