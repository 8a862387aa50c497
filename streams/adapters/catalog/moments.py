"""The catalog's moments and clips: candidates and the final ranking, the judge's verdicts, and
the clips rendered from them (``streams.adapters.catalog``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Awaitable, Callable, Mapping, Sequence

import asyncpg

from streams.adapters.catalog.base import CatalogBase
from streams.adapters.db import from_jsonb as _jsonb
from streams.domain.clip import Clip
from streams.domain.moment import Moment, StoredMoment
from streams.errors import ClipInUse
from streams.judge.verdict import Judged, Verdict


class MomentRecords(CatalogBase):
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
        """Insert a rendered clip once, unless someone deleted it (``delete_clip``). True if it was new."""
        async with self._conn() as conn, conn.transaction():
            if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM deleted_clips WHERE clip_id = $1)", clip["clip_id"]):
                return False
            status = await conn.execute(
                "INSERT INTO clips (clip_id, video_id, moment_id, aspect, start_s, end_s, duration, width, height,"
                " mp4_uri, srt_uri, vtt_uri, thumbnail_uri, variant, caption_style, trimmed_seconds, words_mark,"
                " cover_uri) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
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
                clip.get("words_mark"),
                clip.get("cover_uri"),
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

    async def renders_first_clip(self, video_id: str, within: float) -> bool:
        """Whether the video's render stage is running, started less than ``within`` seconds ago,
        and none of its clips is stored yet."""
        async with self._conn() as conn:
            return bool(
                await conn.fetchval(
                    """
                    SELECT EXISTS (SELECT 1 FROM video_stages
                                   WHERE video_id = $1 AND stage = 'render' AND status = 'running'
                                     AND started_at > now() - make_interval(secs => $2))
                       AND NOT EXISTS (SELECT 1 FROM clips WHERE video_id = $1)
                    """,
                    video_id,
                    within,
                )
            )

    async def delete_clip(
        self, clip_id: str, then: Callable[[asyncpg.Connection], Awaitable[None]] | None = None
    ) -> list[str] | None:
        """Delete the clip's row, its failed and cancelled posts with it, and mark it deleted so
        that no redelivered ranking or render request draws it again; ``then`` is awaited with the
        connection last, in the same transaction (the API announces the deletion there). The URIs
        of its stored files, or None if unknown. ``ClipInUse`` while a post scheduled, being
        published or published names it."""
        async with self._conn() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT video_id, mp4_uri, srt_uri, vtt_uri, thumbnail_uri FROM clips WHERE clip_id = $1 FOR UPDATE",
                clip_id,
            )
            if row is None:
                return None
            held = await conn.fetch(
                "SELECT status, count(*) AS n FROM posts WHERE clip_id = $1 AND status NOT IN ('failed', 'cancelled')"
                " GROUP BY status ORDER BY status",
                clip_id,
            )
            if held:
                counted = ", ".join(f"{r['n']} {r['status']}" for r in held)
                raise ClipInUse(
                    f"clip {clip_id!r} has posts ({counted}): cancel a post that has not begun;"
                    " a published post keeps its clip"
                )
            await conn.execute(
                "INSERT INTO deleted_clips (clip_id, video_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                clip_id,
                row["video_id"],
            )
            await conn.execute("DELETE FROM clips WHERE clip_id = $1", clip_id)
            if then is not None:
                await then(conn)
        return [row["mp4_uri"], row["srt_uri"], row["vtt_uri"], row["thumbnail_uri"]]

    async def clip_deleted(self, clip_id: str) -> bool:
        """Whether someone deleted the clip (and has not asked for it again since)."""
        async with self._conn() as conn:
            return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM deleted_clips WHERE clip_id = $1)", clip_id))

    async def forget_deletion(self, clip_id: str) -> None:
        """A person asks for a deleted clip again: the render path may draw it."""
        async with self._conn() as conn:
            await conn.execute("DELETE FROM deleted_clips WHERE clip_id = $1", clip_id)

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


def _clip(row: asyncpg.Record) -> Clip:
    """A ``clips`` row joined to its moment as a ``Clip``, its signals decoded."""
    return Clip.from_row({**dict(row), "signals": _jsonb(row["signals"]), "speakers": tuple(_jsonb(row["speakers"]))})
