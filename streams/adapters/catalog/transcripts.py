"""The catalog's transcripts: each chunk's words and what was heard and seen with them, and the
names given to speakers (``streams.adapters.catalog``)."""

from __future__ import annotations

import json
import math
from typing import Awaitable, Callable, Iterable, Mapping, Sequence

import asyncpg

from streams.adapters.catalog.base import CatalogBase
from streams.adapters.db import from_jsonb as _jsonb
from streams.asr.languages import LanguageSpan
from streams.asr.recognition import rejoined
from streams.domain.corrections import (
    SAME_TIME,
    Corrected,
    WordFix,
    corrected,
    corrections_in,
    requoted,
    resegmented,
    retitled,
    spoken_within,
)
from streams.domain.transcript import TranscriptChunk
from streams.domain.words import words_from_json
from streams.errors import WordNotFound

# What a correction's transaction runs last (``correct_words``' ``then``): the connection, and each
# word that reads otherwise, as it was and as it is.
Announce = Callable[[asyncpg.Connection, list[tuple[dict, dict]]], Awaitable[None]]


class TranscriptRecords(CatalogBase):
    # transcripts ---------------------------------------------------------------------------
    async def save_transcript_chunk(
        self,
        video_id: str,
        chunk_index: int,
        start: float,
        end: float,
        language: str,
        words: Sequence[Mapping],
        segments: Sequence[Mapping],
        event_id: str,
        energy: Iterable[float] = (),
        pitch: Iterable[float] = (),
        faces: Iterable[tuple[float, int]] | None = None,
        cuts: Iterable[float] | None = None,
        language_probability: float | None = None,
        languages: Sequence[Mapping] = (),
        voices: Mapping | None = None,
    ) -> bool:
        """Store one chunk's words, loudness and pitch, and what was on screen: ``faces`` as
        ``(seconds, count)`` samples and scene ``cuts`` (None: not looked at); with its language,
        how sure its identification was and the spans of each language spoken
        (``LanguageSpan.as_json``), and the voices heard (``Voices.as_json``; None: not
        diarized). First write wins. True if it was new."""
        samples = None if faces is None else list(faces)
        async with self._conn() as conn:
            status = await conn.execute(
                "INSERT INTO transcript_chunks (video_id, chunk_index, start_s, end_s, language, words, segments,"
                " event_id, energy, pitch, face_times, face_counts, scene_cuts, language_probability, languages, voices)"
                " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15::jsonb,"
                " $16::jsonb)"
                " ON CONFLICT (video_id, chunk_index) DO NOTHING",
                video_id,
                chunk_index,
                start,
                end,
                language,
                json.dumps(list(words)),
                json.dumps(list(segments)),
                event_id,
                [float(e) for e in energy],
                [float(f) for f in pitch],
                None if samples is None else [float(t) for t, _ in samples],
                None if samples is None else [int(n) for _, n in samples],
                None if cuts is None else [float(c) for c in cuts],
                language_probability,
                json.dumps(list(languages)),
                None if voices is None else json.dumps(voices),
            )
        return status.endswith(" 1")

    async def transcript_chunks(
        self,
        video_id: str,
        first: int = 0,
        last: int | None = None,
        overlapping: tuple[float, float] | None = None,
    ) -> list[TranscriptChunk]:
        """The stored chunks with index in [first, last] (all by default), in order; with
        ``overlapping`` (start, end in seconds), only those whose stretch overlaps it."""
        start, end = overlapping if overlapping is not None else (None, None)
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT chunk_index, start_s, end_s, language, words, segments, energy, pitch, face_times,"
                " face_counts, scene_cuts, event_id, created_at, language_probability, languages, voices"
                " FROM transcript_chunks"
                " WHERE video_id = $1 AND chunk_index >= $2 AND ($3::integer IS NULL OR chunk_index <= $3)"
                " AND ($4::float8 IS NULL OR (end_s > $4 AND start_s < $5::float8))"
                " ORDER BY chunk_index",
                video_id,
                first,
                last,
                start,
                end,
            )
        return [_chunk(r) for r in rows]

    async def languages_heard(self, video_id: str, before_chunk: int) -> list[LanguageSpan]:
        """The language spans of the video's stored chunks with index under ``before_chunk``, in
        order: what was heard before it."""
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT languages FROM transcript_chunks WHERE video_id = $1 AND chunk_index < $2 ORDER BY chunk_index",
                video_id,
                before_chunk,
            )
        return [LanguageSpan.from_json(span) for row in rows for span in (_jsonb(row["languages"]) or ())]

    async def correct_words(
        self, video_id: str, fixes: Sequence[WordFix], then: Announce | None = None
    ) -> list[tuple[dict, dict]]:
        """Make ``fixes`` in the stored chunks, and in the titles of the moments their words are
        spoken in, all or none (``streams.domain.corrections``): each word that reads otherwise
        now, as it was and as it is. WordNotFound for a fix that names no word, WordChanged for one
        whose word reads otherwise than its ``was``. ``then`` is awaited with the connection and
        those words, in the same transaction, when any word reads otherwise (to announce it)."""
        left, changed = list(fixes), []
        async with self._conn() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT chunk_index, words, segments FROM transcript_chunks WHERE video_id = $1"
                " ORDER BY chunk_index FOR UPDATE",
                video_id,
            )
            for row in rows:
                segments = _jsonb(row["segments"])
                before = _whole(_jsonb(row["words"]), segments)
                after, used, made = corrected(before, left)
                left = [f for f in left if f not in used]
                if made:
                    changed += made
                    await conn.execute(
                        "UPDATE transcript_chunks SET words = $3::jsonb, segments = $4::jsonb"
                        " WHERE video_id = $1 AND chunk_index = $2",
                        video_id,
                        row["chunk_index"],
                        json.dumps(after),
                        json.dumps(resegmented(segments, before, after)),
                    )
            if left:
                times = ", ".join(f"{f.start:.3f}" for f in left)
                raise WordNotFound(f"video {video_id} has no word starting at {times} s: read the transcript again")
            await _retitle(conn, video_id, changed)
            if then is not None and changed:
                await then(conn, changed)
        return changed

    async def corrections(self, video_id: str, start: float = 0.0, end: float = math.inf) -> list[Corrected]:
        """The words a person corrected (``correct_words``) spoken within [start, end], in order."""
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT (w->>'start')::float8 AS start, w->>'word' AS word, w->'heard'->>'word' AS heard"
                " FROM transcript_chunks, jsonb_array_elements(words) AS w"
                " WHERE video_id = $1 AND w ? 'heard' AND (w->>'start')::float8 BETWEEN $2 AND $3 ORDER BY 1",
                video_id,
                start - SAME_TIME,
                end,
            )
        return [Corrected(r["start"], r["word"], r["heard"]) for r in rows]

    # speakers ------------------------------------------------------------------------------
    async def speaker_names(self, video_id: str) -> dict[str, str]:
        """The names people gave the video's speakers, by label (``S1``...)."""
        async with self._conn() as conn:
            rows = await conn.fetch("SELECT speaker, name FROM speaker_names WHERE video_id = $1", video_id)
        return {r["speaker"]: r["name"] for r in rows}

    async def name_speaker(self, video_id: str, speaker: str, name: str) -> None:
        """Call the video's speaker ``speaker`` (a label) ``name`` from now on."""
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO speaker_names (video_id, speaker, name) VALUES ($1, $2, $3)"
                " ON CONFLICT (video_id, speaker) DO UPDATE SET name = EXCLUDED.name, updated_at = now()",
                video_id,
                speaker,
                name,
            )


async def _retitle(conn: asyncpg.Connection, video_id: str, changed: Sequence[tuple[dict, dict]]) -> None:
    """The titles of the video's moments with the words ``changed`` in their span written anew,
    and the words their reasons quote."""
    moments = await conn.fetch(
        "SELECT moment_id, start_s, end_s, title, reason FROM moments WHERE video_id = $1", video_id
    )
    for m in moments:
        swaps = [(was["word"], now["word"]) for was, now in changed if spoken_within(now, m["start_s"], m["end_s"])]
        title, reason = retitled(m["title"], swaps), requoted(m["reason"], swaps)
        if (title, reason) != (m["title"], m["reason"]):
            await conn.execute(
                "UPDATE moments SET title = $3, reason = $4 WHERE video_id = $1 AND moment_id = $2",
                video_id,
                m["moment_id"],
                title,
                reason,
            )


def _whole(words: list[dict], segments: Sequence[Mapping]) -> list[dict]:
    """A chunk's stored words as its readers get them: as stored, or joined where they were stored
    in Whisper's parts (``rejoined``)."""
    whole = rejoined(words_from_json(words), (s.get("text", "") for s in segments))
    return words if len(whole) == len(words) else [w.as_json() for w in whole]


def _chunk(row: asyncpg.Record) -> TranscriptChunk:
    """A ``transcript_chunks`` row as a ``TranscriptChunk``, its JSON columns decoded."""
    times, counts, cuts = row["face_times"], row["face_counts"], row["scene_cuts"]
    segments, words = tuple(_jsonb(row["segments"])), _jsonb(row["words"])
    return TranscriptChunk(
        chunk_index=row["chunk_index"],
        start_s=row["start_s"],
        end_s=row["end_s"],
        language=row["language"],
        language_probability=row["language_probability"],
        # Chunks stored before the recognizer joined Whisper's parts of a word are joined on reading.
        words=rejoined(words_from_json(words), (s.get("text", "") for s in segments)),
        segments=segments,
        languages=tuple(_jsonb(row["languages"]) or ()),
        energy=tuple(row["energy"]),
        pitch=tuple(row["pitch"]),
        faces=None if times is None else tuple(zip(times, counts)),
        cuts=None if cuts is None else tuple(cuts),
        voices=_jsonb(row["voices"]),
        event_id=row["event_id"],
        created_at=row["created_at"],
        corrected=corrections_in(words),
    )
