"""The system of record in PostgreSQL: videos, per-stage state, transcripts, moments and clips.

Every write is idempotent: rows have deterministic keys and inserts use ``ON CONFLICT``, so a
redelivered event rewrites the same row (or leaves it) and never adds a second one. Stage state
only moves forward: a finished or failed stage is never set back to running by a late message.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from datetime import datetime
from typing import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence

import asyncpg

from streams.adapters.db import from_jsonb as _jsonb
from streams.adapters.db import tenant_connection
from streams.domain.clip import Clip
from streams.domain.moment import Moment, StoredMoment
from streams.domain.pipeline import VIDEO_STAGES
from streams.domain.transcript import TranscriptChunk
from streams.domain.video import Video, VideoStage, stage_from_row
from streams.domain.words import words_from_json
from streams.judge.verdict import Judged, Verdict


class Catalog:
    """Reads and writes of the system of record.

    Without a tenant (the pipeline worker, connected as the owner role) every row is visible.
    ``for_tenant(id)`` gives a view whose every statement runs with ``app.tenant_id`` set, so on
    the application role row-level security confines it to that tenant's rows.
    """

    def __init__(self, pool: asyncpg.Pool, tenant_id: str | None = None) -> None:
        self.pool = pool
        self.tenant_id = tenant_id

    def for_tenant(self, tenant_id: str) -> Catalog:
        return Catalog(self.pool, tenant_id)

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[asyncpg.Connection]:
        if self.tenant_id is None:
            async with self.pool.acquire() as conn:
                yield conn
        else:
            async with tenant_connection(self.pool, self.tenant_id) as conn:
                yield conn

    # videos ------------------------------------------------------------------------------
    async def create_video(
        self,
        video_id: str,
        tenant_id: str,
        filename: str,
        source_uri: str,
        size_bytes: int,
        options: Mapping,
        *,
        submitted_by: str | None = None,
        reserved_seconds: float = 0.0,
        admit: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
    ) -> bool:
        """Register a video and its stages. True if it was new. ``admit``, when given, runs first in
        the same transaction and may refuse the video by raising (a workspace's plan,
        ``streams.usage.store.admit_video``); ``reserved_seconds`` is what the video holds against
        the plan until its duration is read."""
        async with self._conn() as conn, conn.transaction():
            if admit is not None:
                await admit(conn)
            status = await conn.execute(
                "INSERT INTO videos (video_id, tenant_id, filename, source_uri, size_bytes, options, submitted_by,"
                " reserved_seconds) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) ON CONFLICT (video_id) DO NOTHING",
                video_id,
                tenant_id,
                filename,
                source_uri,
                size_bytes,
                json.dumps(dict(options)),
                submitted_by,
                float(reserved_seconds),
            )
            await conn.executemany(
                "INSERT INTO video_stages (video_id, stage) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [(video_id, s) for s in VIDEO_STAGES],
            )
        return status.endswith(" 1")

    async def video(self, video_id: str) -> Video | None:
        """The video with its stages (in pipeline order), or None."""
        async with self._conn() as conn:
            row = await conn.fetchrow("SELECT * FROM videos WHERE video_id = $1", video_id)
            if row is None:
                return None
            stages = await conn.fetch("SELECT * FROM video_stages WHERE video_id = $1", video_id)
        return _video(row, tuple(stage_from_row(s) for s in stages))

    async def set_media(
        self,
        video_id: str,
        *,
        duration: float,
        width: int | None,
        height: int | None,
        has_video: bool,
        media_type: str | None = None,
    ) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE videos SET duration = $2, width = $3, height = $4, has_video = $5, media_type = $6,"
                " status = CASE WHEN status = 'queued' THEN 'processing' ELSE status END, updated_at = now()"
                " WHERE video_id = $1",
                video_id,
                duration,
                width,
                height,
                has_video,
                media_type,
            )

    async def set_size(self, video_id: str, size_bytes: int) -> None:
        """The stored file's size, once known (a video submitted by URL is 0 until downloaded)."""
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE videos SET size_bytes = $2, updated_at = now() WHERE video_id = $1", video_id, size_bytes
            )

    async def set_chunk_count(self, video_id: str, count: int) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE videos SET chunk_count = $2, updated_at = now() WHERE video_id = $1", video_id, count
            )

    async def fail_video(self, video_id: str, stage: str, code: str, reason: str) -> bool:
        """Mark the video and the stage failed. False (and nothing changed) if it had already
        finished or failed: a video fails once, and ``failure`` is that failure."""
        async with self._conn() as conn, conn.transaction():
            status = await conn.execute(
                "UPDATE videos SET status = 'failed', error_code = $2, error = $3, finished_at = now(),"
                " updated_at = now() WHERE video_id = $1 AND status NOT IN ('completed', 'failed')",
                video_id,
                code,
                reason,
            )
            failed = status.endswith(" 1")
            if failed:
                await self._stage(conn, video_id, stage, "failed", None, code, reason)
        return failed

    async def failure(self, video_id: str) -> dict | None:
        """A failed video's failure as recorded: ``tenant_id``, ``stage`` (None when the stage had
        already completed, so its row does not say failed), ``error_code``, ``error`` and
        ``failed_at``. None if the video has not failed (or is unknown)."""
        async with self._conn() as conn:
            row = await conn.fetchrow(
                "SELECT v.tenant_id, v.error_code, v.error, v.finished_at AS failed_at,"
                " (SELECT s.stage FROM video_stages s WHERE s.video_id = v.video_id AND s.status = 'failed'"
                "  ORDER BY s.finished_at NULLS LAST, array_position($2::text[], s.stage) LIMIT 1) AS stage"
                " FROM videos v WHERE v.video_id = $1 AND v.status = 'failed'",
                video_id,
                list(VIDEO_STAGES),
            )
        return None if row is None else dict(row)

    async def complete_video(self, video_id: str) -> bool:
        async with self._conn() as conn:
            status = await conn.execute(
                "UPDATE videos SET status = 'completed', finished_at = now(), updated_at = now()"
                " WHERE video_id = $1 AND status NOT IN ('completed', 'failed')",
                video_id,
            )
        return status.endswith(" 1")

    async def revive_video(self, video_id: str) -> bool:
        """A failed video back to ``processing``, its failed stages back to ``running`` and their
        errors cleared, so that its stages take its replayed messages (``clipstream dlq replay``).
        False if the video is not failed."""
        async with self._conn() as conn, conn.transaction():
            status = await conn.execute(
                "UPDATE videos SET status = 'processing', error_code = NULL, error = NULL, finished_at = NULL,"
                " updated_at = now() WHERE video_id = $1 AND status = 'failed'",
                video_id,
            )
            if not status.endswith(" 1"):
                return False
            await conn.execute(
                "UPDATE video_stages SET status = 'running', error_code = NULL, error = NULL, finished_at = NULL,"
                " updated_at = now() WHERE video_id = $1 AND status = 'failed'",
                video_id,
            )
        return True

    async def recorded_at(self, video_id: str, stage: str, status: str) -> datetime | None:
        """When a milestone was recorded: a stage's first start (``started``) or its completion
        (``finished``); the video's completion (stage ``video``, ``finished``); a failure
        (``failed``, of any stage: the video's end, as failing marks the stage and the video at
        once). None if it is not recorded (or the video is gone)."""
        args: tuple[str, ...]
        if status == "failed":
            query, args = "SELECT finished_at FROM videos WHERE video_id = $1 AND status = 'failed'", (video_id,)
        elif stage == "video" and status == "finished":
            query, args = "SELECT finished_at FROM videos WHERE video_id = $1 AND status = 'completed'", (video_id,)
        elif stage != "video" and status == "started":
            query, args = "SELECT started_at FROM video_stages WHERE video_id = $1 AND stage = $2", (video_id, stage)
        elif stage != "video" and status == "finished":
            query = "SELECT finished_at FROM video_stages WHERE video_id = $1 AND stage = $2 AND status = 'completed'"
            args = (video_id, stage)
        else:
            return None
        async with self._conn() as conn:
            return await conn.fetchval(query, *args)

    # stages ------------------------------------------------------------------------------
    async def stage(self, video_id: str, stage: str, status: str, progress: float | None = None) -> None:
        async with self._conn() as conn:
            await self._stage(conn, video_id, stage, status, progress, None, None)

    @staticmethod
    async def _stage(
        conn, video_id: str, stage: str, status: str, progress: float | None, code: str | None, error: str | None
    ) -> None:
        progress = 1.0 if status == "completed" else progress
        await conn.execute(
            """
            INSERT INTO video_stages AS s (video_id, stage, status, progress, error_code, error, started_at,
                                           finished_at, updated_at)
            SELECT $1::text, $2::text, $3::text, COALESCE($4::real, 0), $5::text, $6::text, now(),
                   CASE WHEN $3::text IN ('completed', 'failed') THEN now() END, now()
            WHERE EXISTS (SELECT 1 FROM videos WHERE video_id = $1)  -- a deleted video gets no stage rows
            ON CONFLICT (video_id, stage) DO UPDATE SET
                status = CASE WHEN s.status IN ('completed', 'failed') THEN s.status ELSE EXCLUDED.status END,
                progress = GREATEST(s.progress, COALESCE($4::real, s.progress)),
                error_code = COALESCE(s.error_code, EXCLUDED.error_code),
                error = COALESCE(s.error, EXCLUDED.error),
                started_at = COALESCE(s.started_at, now()),
                finished_at = COALESCE(s.finished_at, EXCLUDED.finished_at),
                updated_at = now()
            """,
            video_id,
            stage,
            status,
            progress,
            code,
            error,
        )
        if status == "running":
            await conn.execute(
                "UPDATE videos SET status = 'processing', updated_at = now() WHERE video_id = $1 AND status = 'queued'",
                video_id,
            )

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

    # moments -------------------------------------------------------------------------------
    async def save_moment(self, video_id: str, moment: Moment, rank: int | None, is_final: bool) -> datetime:
        """Record a candidate, or its new rank (None: a moment a user chose, unranked); when it was
        first recorded. A final save also replaces the score, signals, title, reason and speakers (the final
        ranking scores with the whole talk known). A final rank, or a superseded moment's lack of
        one, stands: a provisional save of the moment that comes later (a redelivered chunk,
        replayed) leaves it as it is."""
        async with self._conn() as conn:
            return await conn.fetchval(
                """
                INSERT INTO moments
                    (video_id, moment_id, start_s, end_s, score, signals, reason, title, rank, is_final, speakers)
                VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11::jsonb)
                ON CONFLICT (video_id, moment_id) DO UPDATE
                    SET rank = CASE WHEN (moments.is_final OR moments.superseded) AND NOT EXCLUDED.is_final
                                    THEN moments.rank ELSE EXCLUDED.rank END,
                        superseded = moments.superseded AND NOT EXCLUDED.is_final,
                        score = CASE WHEN EXCLUDED.is_final THEN EXCLUDED.score ELSE moments.score END,
                        signals = CASE WHEN EXCLUDED.is_final THEN EXCLUDED.signals ELSE moments.signals END,
                        reason = CASE WHEN EXCLUDED.is_final THEN EXCLUDED.reason ELSE moments.reason END,
                        title = CASE WHEN EXCLUDED.is_final THEN EXCLUDED.title ELSE moments.title END,
                        speakers = CASE WHEN EXCLUDED.is_final THEN EXCLUDED.speakers ELSE moments.speakers END,
                        is_final = moments.is_final OR EXCLUDED.is_final
                RETURNING created_at
                """,
                video_id,
                moment.moment_id,
                moment.start,
                moment.end,
                moment.score,
                json.dumps(dict(moment.signals)),
                moment.reason,
                moment.title,
                rank,
                is_final,
                json.dumps(list(moment.speakers)),
            )

    async def supersede_moments(self, video_id: str, moment_ids: Sequence[str]) -> None:
        """Mark streamed picks the final ranking left out: no rank, not final, ``superseded``."""
        if not moment_ids:
            return
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE moments SET superseded = true, rank = NULL"
                " WHERE video_id = $1 AND moment_id = ANY($2::text[]) AND NOT is_final",
                video_id,
                list(moment_ids),
            )

    async def moments(self, video_id: str) -> list[StoredMoment]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT * FROM moments WHERE video_id = $1 ORDER BY rank NULLS LAST, start_s", video_id
            )
        return [
            StoredMoment.from_row(
                {**dict(r), "signals": _jsonb(r["signals"]), "speakers": tuple(_jsonb(r["speakers"]))}
            )
            for r in rows
        ]

    async def set_ranking(self, video_id: str, ranking: Mapping) -> None:
        """Record how the video's moments are ranked (the judge on or off, its model)."""
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE videos SET ranking = $2::jsonb WHERE video_id = $1", video_id, json.dumps(dict(ranking))
            )

    # the clip judge's verdicts, by content ------------------------------------------------------
    async def judge_verdict(self, video_id: str, key: str) -> Judged | None:
        """The verdict kept under ``key`` with the answers it took, or None."""
        async with self._conn() as conn:
            row = await conn.fetchrow(
                "SELECT verdict, attempts FROM judge_verdicts WHERE video_id = $1 AND key = $2", video_id, key
            )
        return None if row is None else Judged(Verdict.from_json(_jsonb(row["verdict"])), row["attempts"])

    async def save_judge_verdict(self, video_id: str, key: str, model: str, judged: Judged) -> None:
        """Keep a checked verdict (by ``model``); the first one kept for a key stands."""
        async with self._conn() as conn:
            await conn.execute(
                """
                INSERT INTO judge_verdicts (video_id, key, model, verdict, attempts) VALUES ($1, $2, $3, $4::jsonb, $5)
                ON CONFLICT (video_id, key) DO NOTHING
                """,
                video_id,
                key,
                model,
                json.dumps(judged.verdict.as_json()),
                judged.attempts,
            )

    # clips ---------------------------------------------------------------------------------
    async def save_clip(self, clip: Mapping) -> bool:
        """Insert a rendered clip once. True if it was new."""
        async with self._conn() as conn:
            status = await conn.execute(
                "INSERT INTO clips (clip_id, video_id, moment_id, aspect, start_s, end_s, duration, width, height,"
                " mp4_uri, srt_uri, vtt_uri, thumbnail_uri, variant, caption_style, trimmed_seconds)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
                " ON CONFLICT (clip_id) DO NOTHING",
                clip["clip_id"],
                clip["video_id"],
                clip["moment_id"],
                clip["aspect"],
                clip["start"],
                clip["end"],
                clip["duration"],
                clip["width"],
                clip["height"],
                clip["mp4_uri"],
                clip["srt_uri"],
                clip["vtt_uri"],
                clip["thumbnail_uri"],
                clip.get("variant", ""),
                clip.get("caption_style"),
                float(clip.get("trimmed_seconds", 0.0)),
            )
        return status.endswith(" 1")

    async def clips(self, video_id: str) -> list[Clip]:
        """Rendered clips with their moment's rank, score, title and reason, best first."""
        async with self._conn() as conn:
            rows = await conn.fetch(
                """
                SELECT c.*, m.rank, m.score, m.title, m.reason, m.signals, m.is_final, m.superseded, m.speakers
                FROM clips c JOIN moments m USING (video_id, moment_id)
                WHERE c.video_id = $1 ORDER BY m.rank NULLS LAST, m.score DESC, c.start_s, c.variant, c.aspect
                """,
                video_id,
            )
        return [_clip(r) for r in rows]

    async def clip(self, clip_id: str) -> Clip | None:
        async with self._conn() as conn:
            row = await conn.fetchrow(
                """
                SELECT c.*, m.rank, m.score, m.title, m.reason, m.signals, m.is_final, m.superseded, m.speakers
                FROM clips c JOIN moments m USING (video_id, moment_id) WHERE c.clip_id = $1
                """,
                clip_id,
            )
        return None if row is None else _clip(row)

    # listing and deletion ------------------------------------------------------------------
    async def list_videos(self, *, limit: int, before: tuple | None = None, status: str | None = None) -> list[Video]:
        """Newest first; ``before`` is the (created_at, video_id) of the last row already seen."""
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT * FROM videos WHERE ($1::text IS NULL OR status = $1)"
                " AND ($2::timestamptz IS NULL OR (created_at, video_id) < ($2, $3))"
                " ORDER BY created_at DESC, video_id DESC LIMIT $4",
                status,
                before[0] if before else None,
                before[1] if before else None,
                limit,
            )
        return [_video(r) for r in rows]

    async def delete_video(self, video_id: str) -> list[str] | None:
        """Delete the video and its rows; the URIs of its stored objects, or None if unknown."""
        async with self._conn() as conn, conn.transaction():
            source = await conn.fetchval("SELECT source_uri FROM videos WHERE video_id = $1 FOR UPDATE", video_id)
            if source is None:
                return None
            clips = await conn.fetch(
                "SELECT mp4_uri, srt_uri, vtt_uri, thumbnail_uri FROM clips WHERE video_id = $1", video_id
            )
            await conn.execute("DELETE FROM videos WHERE video_id = $1", video_id)
        return [source, *(uri for c in clips for uri in c.values())]

    # analytics (PostgreSQL: the ground truth the ClickHouse sink is checked against) ------------
    async def usage(self, days: int = 30) -> dict:
        """Counts, minutes, clips, per-stage latencies and a per-day series for the tenant."""
        async with self._conn() as conn:
            totals = await conn.fetchrow(
                "SELECT count(*) AS videos, count(*) FILTER (WHERE status = 'completed') AS completed,"
                " count(*) FILTER (WHERE status = 'failed') AS failed,"
                " coalesce(sum(duration) FILTER (WHERE status <> 'failed'), 0) / 60.0 AS minutes FROM videos"
            )
            clips = await conn.fetchval("SELECT count(*) FROM clips")
            stages = await conn.fetch(
                """
                SELECT stage, count(*) AS count,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)) AS p50,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)) AS p95
                FROM video_stages WHERE status = 'completed' AND started_at IS NOT NULL AND finished_at IS NOT NULL
                GROUP BY stage
                """
            )
            daily = await conn.fetch(
                """
                SELECT d::date AS day,
                       (SELECT count(*) FROM videos v WHERE v.created_at::date = d::date) AS videos,
                       (SELECT coalesce(sum(duration), 0) / 60.0 FROM videos v WHERE v.created_at::date = d::date) AS minutes,
                       (SELECT count(*) FROM clips c WHERE c.created_at::date = d::date) AS clips
                FROM generate_series(current_date - ($1::int - 1), current_date, interval '1 day') d
                ORDER BY day
                """,
                days,
            )
        return {
            "totals": dict(totals),
            "clips": clips,
            "stages": [dict(s) for s in stages],
            "daily": [dict(d) for d in daily],
        }


def _chunk(row: asyncpg.Record) -> TranscriptChunk:
    """A ``transcript_chunks`` row as a ``TranscriptChunk``, its JSON columns decoded."""
    times, counts, cuts = row["face_times"], row["face_counts"], row["scene_cuts"]
    return TranscriptChunk(
        chunk_index=row["chunk_index"],
        start_s=row["start_s"],
        end_s=row["end_s"],
        language=row["language"],
        language_probability=row["language_probability"],
        words=words_from_json(_jsonb(row["words"])),
        segments=tuple(_jsonb(row["segments"])),
        languages=tuple(_jsonb(row["languages"]) or ()),
        energy=tuple(row["energy"]),
        pitch=tuple(row["pitch"]),
        faces=None if times is None else tuple(zip(times, counts)),
        cuts=None if cuts is None else tuple(cuts),
        voices=_jsonb(row["voices"]),
        event_id=row["event_id"],
        created_at=row["created_at"],
    )


def _video(row: asyncpg.Record, stages: tuple[VideoStage, ...] = ()) -> Video:
    """A ``videos`` row as a ``Video``, its JSON columns decoded."""
    return Video.from_row({**dict(row), "options": _jsonb(row["options"]), "ranking": _jsonb(row["ranking"])}, stages)


def _clip(row: asyncpg.Record) -> Clip:
    """A ``clips`` row joined to its moment as a ``Clip``, its signals decoded."""
    return Clip.from_row({**dict(row), "signals": _jsonb(row["signals"]), "speakers": tuple(_jsonb(row["speakers"]))})
