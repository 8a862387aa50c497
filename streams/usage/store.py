"""The ledger and the plans in PostgreSQL (``schemas/postgres/0024``), under a workspace's tenant
connection (``streams.adapters.db.tenant_connection``): its plan, where it stands this month, the
admission of a video (serialised per workspace, so that videos submitted at once cannot together
pass the plan), and the report ``GET /v1/usage`` gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import asyncpg

from streams.adapters.catalog.videos import IN_FLIGHT
from streams.domain.envelope import iso_z
from streams.usage.plans import Plan, Standing, admit, left_seconds, month_of


async def plan_of(conn: asyncpg.Connection, tenant_id: str, settings) -> Plan:
    """The workspace's own plan, else the server's (``Plan.from_settings(settings)``)."""
    row = await conn.fetchrow("SELECT * FROM workspace_plans WHERE tenant_id = $1", tenant_id)
    if row is None:
        return Plan.from_settings(settings)
    return Plan(
        row["name"],
        row["source_minutes_per_month"],
        row["concurrent_videos"],
        row["max_source_minutes"],
        row["storage_gb"],
    )


async def set_plan(conn: asyncpg.Connection, tenant_id: str, plan: Plan) -> None:
    """The operator's: the workspace's own plan (replacing one it had)."""
    await conn.execute(
        "INSERT INTO workspace_plans (tenant_id, name, source_minutes_per_month, concurrent_videos, max_source_minutes,"
        " storage_gb) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id) DO UPDATE SET name = EXCLUDED.name,"
        " source_minutes_per_month = EXCLUDED.source_minutes_per_month,"
        " concurrent_videos = EXCLUDED.concurrent_videos, max_source_minutes = EXCLUDED.max_source_minutes,"
        " storage_gb = EXCLUDED.storage_gb, updated_at = now()",
        tenant_id,
        plan.name,
        plan.source_minutes_per_month,
        plan.concurrent_videos,
        plan.max_source_minutes,
        plan.storage_gb,
    )


async def clear_plan(conn: asyncpg.Connection, tenant_id: str) -> bool:
    return (await conn.execute("DELETE FROM workspace_plans WHERE tenant_id = $1", tenant_id)) == "DELETE 1"


async def standing(conn: asyncpg.Connection, tenant_id: str, now: datetime) -> Standing:
    start, end = month_of(now)
    used = await conn.fetchval(
        "SELECT coalesce(sum(quantity), 0) FROM usage_records WHERE tenant_id = $1 AND kind = 'source_seconds'"
        " AND recorded_at >= $2 AND recorded_at < $3",
        tenant_id,
        start,
        end,
    )
    flight = await conn.fetchrow(
        f"SELECT count(*) AS videos, coalesce(sum(coalesce(duration, reserved_seconds)), 0) AS seconds"
        f" FROM videos WHERE tenant_id = $1 AND {IN_FLIGHT}",
        tenant_id,
    )
    held = await conn.fetchrow(
        "SELECT bytes, measured_at FROM storage_snapshots WHERE tenant_id = $1 ORDER BY day DESC LIMIT 1", tenant_id
    )
    return Standing(
        float(used),
        float(flight["seconds"]),
        int(flight["videos"]),
        int(held["bytes"]) if held else 0,
        held["measured_at"] if held else None,
    )


async def record_storage(conn: asyncpg.Connection, tenant_id: str, held_bytes: int, now: datetime) -> None:
    """The workspace's storage as measured at ``now``: the day's row. The latest measure wins, not
    the last to finish: the hourly measure of every workspace, begun before a deletion, can end after
    the measure the deletion made."""
    await conn.execute(
        "INSERT INTO storage_snapshots (tenant_id, day, bytes, measured_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (tenant_id, day) DO UPDATE SET bytes = EXCLUDED.bytes, measured_at = EXCLUDED.measured_at"
        " WHERE storage_snapshots.measured_at <= EXCLUDED.measured_at",
        tenant_id,
        now.date(),
        held_bytes,
        now,
    )


async def _lock_workspace(conn: asyncpg.Connection, tenant_id: str) -> None:
    """The workspace's usage lock, held to the end of the transaction: admissions one at a time."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('usage:' || $1, 0))", tenant_id)


async def admit_video(
    conn: asyncpg.Connection, tenant_id: str, plan: Plan, seconds: float | None, now: datetime, size_bytes: int = 0
) -> None:
    """Raise ``PlanQuotaExceeded`` unless a video of ``seconds`` fits the plan now. Inside the
    transaction that then records the video: a lock per workspace, held to its end, makes videos
    submitted at once be admitted one after another, each counting those before it."""
    if not plan.limits_anything:
        return
    await _lock_workspace(conn, tenant_id)
    await check_video(conn, tenant_id, plan, seconds, now, size_bytes)


async def check_video(
    conn: asyncpg.Connection, tenant_id: str, plan: Plan, seconds: float | None, now: datetime, size_bytes: int = 0
) -> None:
    """Raise ``PlanQuotaExceeded`` unless a video of ``seconds`` fits the plan now, holding no lock:
    the API's check before anything of an upload is stored; ``admit_video`` checks again."""
    if plan.limits_anything:
        admit(plan, await standing(conn, tenant_id, now), seconds, now, size_bytes)


async def admit_source(
    conn: asyncpg.Connection, tenant_id: str, video_id: str, plan: Plan, seconds: float, now: datetime
) -> None:
    """At ingest, once a source's length is read: raise ``PlanQuotaExceeded`` unless its ``seconds``
    fit the plan's minutes beside the month's use and the other videos in progress, then hold them
    (``reserved_seconds``). A source fetched from a URL or uploaded to a presigned address was
    admitted before its length was known; an upload through the API, whose length was checked,
    passes again. Only the minute limits apply here: the video already holds its place among those
    in progress. Inside a transaction; the workspace's lock serialises it with submissions."""
    minutes = replace(plan, concurrent_videos=None, storage_gb=None)
    if not minutes.limits_minutes:
        return
    await _lock_workspace(conn, tenant_id)
    held = await conn.fetchval(
        f"SELECT coalesce(duration, reserved_seconds) FROM videos WHERE video_id = $1 AND {IN_FLIGHT}", video_id
    )
    now_standing = await standing(conn, tenant_id, now)
    others = replace(
        now_standing,
        in_flight_seconds=max(0.0, now_standing.in_flight_seconds - float(held or 0)),
        in_flight_videos=max(0, now_standing.in_flight_videos - (held is not None)),
    )
    admit(minutes, others, seconds, now)
    await conn.execute("UPDATE videos SET reserved_seconds = $2 WHERE video_id = $1", video_id, float(seconds))


async def report(conn: asyncpg.Connection, tenant_id: str, plan: Plan, now: datetime) -> dict:
    """The workspace's month: use against the plan, what is in flight, by day and by key."""
    start, end = month_of(now)
    where = "tenant_id = $1 AND recorded_at >= $2 AND recorded_at < $3"
    totals = {
        r["kind"]: float(r["total"])
        for r in await conn.fetch(
            f"SELECT kind, sum(quantity) AS total FROM usage_records WHERE {where} GROUP BY kind", tenant_id, start, end
        )
    }
    days = await conn.fetch(
        f"SELECT (recorded_at AT TIME ZONE 'UTC')::date AS day, kind, sum(quantity) AS total FROM usage_records"
        f" WHERE {where} GROUP BY day, kind ORDER BY day, kind",
        tenant_id,
        start,
        end,
    )
    keys = await conn.fetch(
        f"SELECT coalesce(submitted_by, '') AS submitted_by, kind, sum(quantity) AS total FROM usage_records"
        f" WHERE {where} AND kind <> 'posts_published' GROUP BY 1, kind ORDER BY 1, kind",
        tenant_id,
        start,
        end,
    )
    now_standing = await standing(conn, tenant_id, now)
    left = left_seconds(plan, now_standing)
    by_day: dict[str, dict] = {}
    for r in days:
        by_day.setdefault(r["day"].isoformat(), {})[r["kind"]] = _amount(r["kind"], r["total"])
    by_key: dict[str, dict] = {}
    for r in keys:
        by_key.setdefault(r["submitted_by"], {})[r["kind"]] = _amount(r["kind"], r["total"])
    return {
        "period": {"start": iso_z(start), "end": iso_z(end)},
        "plan": plan.as_json(),
        "used": {
            "source_minutes": round(totals.get("source_seconds", 0.0) / 60, 2),
            "clips_rendered": int(totals.get("clips_rendered", 0)),
            "posts_published": int(totals.get("posts_published", 0)),
        },
        "in_flight": {
            "videos": now_standing.in_flight_videos,
            "source_minutes": round(now_standing.in_flight_seconds / 60, 2),
        },
        "left": {"source_minutes": None if left is None else round(left / 60, 2)},
        "storage": {
            "bytes": now_standing.storage_bytes,
            "measured_at": iso_z(now_standing.storage_measured_at),  # None before the first measure
        },
        "by_day": [
            {"day": day, **_named(v), "posts_published": v.get("posts_published", 0)} for day, v in by_day.items()
        ],
        "by_submitter": [{"submitted_by": who or None, **_named(v)} for who, v in by_key.items()],
    }


def _amount(kind: str, total: float) -> float | int:
    return round(float(total) / 60, 2) if kind == "source_seconds" else int(total)


def _named(amounts: dict) -> dict:
    return {"source_minutes": amounts.get("source_seconds", 0.0), "clips_rendered": amounts.get("clips_rendered", 0)}
