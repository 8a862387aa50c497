"""The catalog's videos and their stages: created, probed, failed, completed, listed, deleted
(``streams.adapters.catalog``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Awaitable, Callable, Mapping, Sequence

import asyncpg

from streams.adapters.catalog.base import CatalogBase
from streams.adapters.db import from_jsonb as _jsonb
from streams.domain.pipeline import VIDEO_STAGES
from streams.domain.video import DeletedVideo, Video, VideoStage, stage_from_row

# A video still being processed (queued or processing), as a condition on ``videos``: what a plan
# counts as in flight (``streams.usage.store``) and what a worker's scratch sweep keeps.
IN_FLIGHT = "status IN ('queued', 'processing')"


class VideoRecords(CatalogBase):
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
        the plan until its duration is read. A video deleted before (``deleted_videos``) is not
        registered again: False."""
        async with self._conn() as conn, conn.transaction():
            if admit is not None:
                await admit(conn)
            # A delete running now holds the row: the insert below waits for it, so a mark it
            # commits is seen by this check, made after the insert, whichever came first.
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
            if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM deleted_videos WHERE video_id = $1)", video_id):
                if status.endswith(" 1"):
                    await conn.execute("DELETE FROM videos WHERE video_id = $1", video_id)
                return False
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

    async def deleted_after(self, last: tuple[datetime, str] | None, limit: int) -> list[DeletedVideo]:
        """The videos deleted after ``last`` (when deleted, video id; all if None), in that order,
        ``limit`` at most."""
        at, video_id = last or (None, "")
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT tenant_id, video_id, deleted_at FROM deleted_videos WHERE $1::timestamptz IS NULL"
                " OR (deleted_at, video_id) > ($1, $2) ORDER BY deleted_at, video_id LIMIT $3",
                at,
                video_id,
                limit,
            )
        return [DeletedVideo(r["tenant_id"], r["video_id"], r["deleted_at"]) for r in rows]

    async def present_among(self, video_ids: Sequence[str]) -> set[str]:
        """Which of ``video_ids`` are in the catalog (a tenant's view: that tenant's)."""
        async with self._conn() as conn:
            rows = await conn.fetch("SELECT video_id FROM videos WHERE video_id = ANY($1::text[])", list(video_ids))
        return {r["video_id"] for r in rows}

    async def deleted_among(self, video_ids: Sequence[str]) -> set[str]:
        """Which of ``video_ids`` were deleted (``deleted_videos``)."""
        async with self._conn() as conn:
            rows = await conn.fetch("SELECT video_id FROM deleted_videos WHERE video_id = ANY($1::text[])", video_ids)
        return {r["video_id"] for r in rows}

    async def in_flight_among(self, video_ids: Sequence[str]) -> set[str]:
        """Which of ``video_ids`` are still being processed (queued or processing); the others
        have ended (completed or failed) or are unknown (deleted)."""
        async with self._conn() as conn:
            rows = await conn.fetch(
                f"SELECT video_id FROM videos WHERE video_id = ANY($1::text[]) AND {IN_FLIGHT}",
                video_ids,
            )
        return {r["video_id"] for r in rows}

    async def delete_video(
        self, video_id: str, then: Callable[[asyncpg.Connection, list[str]], Awaitable[None]] | None = None
    ) -> list[str] | None:
        """Delete the video and its rows (``then`` awaited last, in the same transaction, with the
        connection and the ids of the clips deleted); the URIs of its stored objects, or None if unknown."""
        async with self._conn() as conn, conn.transaction():
            source = await conn.fetchval("SELECT source_uri FROM videos WHERE video_id = $1 FOR UPDATE", video_id)
            if source is None:
                return None
            clips = await conn.fetch(
                "SELECT clip_id, mp4_uri, srt_uri, vtt_uri, thumbnail_uri FROM clips WHERE video_id = $1", video_id
            )
            await conn.execute(
                "INSERT INTO deleted_videos (video_id, tenant_id) SELECT video_id, tenant_id FROM videos"
                " WHERE video_id = $1 ON CONFLICT DO NOTHING",
                video_id,
            )
            await conn.execute("DELETE FROM videos WHERE video_id = $1", video_id)
            if then is not None:
                await then(conn, [c["clip_id"] for c in clips])
        return [source, *(c[kind] for c in clips for kind in ("mp4_uri", "srt_uri", "vtt_uri", "thumbnail_uri"))]

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


def _video(row: asyncpg.Record, stages: tuple[VideoStage, ...] = ()) -> Video:
    """A ``videos`` row as a ``Video``, its JSON columns decoded."""
    return Video.from_row({**dict(row), "options": _jsonb(row["options"]), "ranking": _jsonb(row["ranking"])}, stages)
