"""What analytics keep of a deleted video: what it counted, not what was said in it.

A video deleted in the catalog (PostgreSQL's ``deleted_videos``) is copied into ClickHouse's
``forgotten_videos`` by the analytics worker (``forget_deleted``, every ``FORGET_SECONDS``). Its
events stay, so the minutes, clips and stage times already counted and billed do not change, but a
ranking's ``reasons`` quote the talk ('a refrain ("we ran out of ...")'), so they are emptied:
in the rows already there (a mutation), and in a row of the video inserted later (a message
redelivered or sent from the spool) as it is inserted (``without_words``). The videos forgotten in
the last ``RECHECK`` are checked again at every pass, for a row inserted while one was recorded.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol, Sequence

from streams.analytics.rows import COLUMNS
from streams.domain.video import DeletedVideo

RECHECK = timedelta(days=1)
BATCH = 1000
_REASONS = COLUMNS.index("reasons")
_VIDEO = COLUMNS.index("video_id")
# (tenant_id, video_id) leads the sorting key of ``events``: ClickHouse reads only those videos' parts.
_WORDED = (
    "(tenant_id, video_id) IN (SELECT tenant_id, video_id FROM forgotten_videos"
    " WHERE deleted_at >= {since:DateTime64(6)}) AND notEmpty(reasons)"
)


class DeletedVideos(Protocol):
    async def deleted_after(self, last: tuple[datetime, str] | None, limit: int) -> list[DeletedVideo]: ...


class Forgetting(Protocol):
    def last_forgotten(self) -> tuple[datetime, str] | None: ...

    def forget(self, deleted: Sequence[DeletedVideo], since: datetime) -> int: ...


# -- on a clickhouse-connect client (``streams.adapters.analytics.AnalyticsStore`` holds its lock) --
def last_recorded(client) -> tuple[datetime, str] | None:
    """The last video recorded forgotten, in the catalog's order (when deleted, then its id); None
    before any."""
    rows = client.query(
        "SELECT deleted_at, video_id FROM forgotten_videos ORDER BY deleted_at DESC, video_id DESC LIMIT 1"
    ).result_rows
    return (rows[0][0].replace(tzinfo=UTC), rows[0][1]) if rows else None


def record(client, deleted: Sequence[DeletedVideo]) -> None:
    if deleted:
        client.insert(
            "forgotten_videos",
            [[d.tenant_id, d.video_id, d.deleted_at] for d in deleted],
            column_names=["tenant_id", "video_id", "deleted_at"],
        )


def scrub(client, since: datetime) -> int:
    """Empty the reasons of the events of every video recorded forgotten with ``deleted_at`` from
    ``since``; how many rows had some (a mutation runs only then, and is waited for)."""
    parameters = {"since": since.astimezone(UTC).replace(tzinfo=None)}
    worded = client.query(f"SELECT count() FROM events WHERE {_WORDED}", parameters=parameters).result_rows[0][0]
    if worded:
        client.command(
            f"ALTER TABLE events UPDATE reasons = [] WHERE {_WORDED} SETTINGS mutations_sync = 1",
            parameters=parameters,
        )
    return int(worded)


def without_words(client, rows: Sequence[tuple]) -> list[tuple]:
    """``rows`` with the reasons of a forgotten video's rows emptied (asked only when a row has some)."""
    worded = sorted({row[_VIDEO] for row in rows if row[_REASONS]})
    if not worded:
        return list(rows)
    forgotten = {
        r[0]
        for r in client.query(
            "SELECT DISTINCT video_id FROM forgotten_videos WHERE has({ids:Array(String)}, video_id)",
            parameters={"ids": worded},
        ).result_rows
    }
    return [_emptied(row) if row[_VIDEO] in forgotten else row for row in rows]


def _emptied(row: tuple) -> tuple:
    return row[:_REASONS] + ([],) + row[_REASONS + 1 :]


# -- the worker's pass ----------------------------------------------------------------------------
async def forget_deleted(catalog: DeletedVideos, store: Forgetting, now: datetime) -> int:
    """Copy up to ``BATCH`` videos deleted after the last one recorded and empty their reasons, and
    those of the videos forgotten in the last ``RECHECK``; how many events had reasons to empty."""
    last = await asyncio.to_thread(store.last_forgotten)
    deleted = await catalog.deleted_after(last, BATCH)
    since = min([now - RECHECK, *(d.deleted_at for d in deleted)])
    return await asyncio.to_thread(store.forget, deleted, since)
