"""Checks several tests make of what the pipeline left behind: the files each clip must have in
storage, and a tenant's ClickHouse report against PostgreSQL, the system of record."""

from __future__ import annotations

import time

import httpx

from streams.adapters.storage import video_prefix
from tests.owner import as_owner

CLIP_FILES = ("mp4", "srt", "vtt", "jpg", "json")  # the video, captions twice, thumbnail, editor hand-off


def clip_object_keys(tenant_id: str, video_id: str, clip_ids) -> set[str]:
    """The storage keys every one of ``clip_ids`` must have, one object per file."""
    prefix = video_prefix(tenant_id, video_id)
    return {f"{prefix}clips/{clip}.{ext}" for clip in clip_ids for ext in CLIP_FILES}


def postgres_truth(settings, tenant_id: str) -> dict:
    """What PostgreSQL says about the tenant (as the owner role: no row-level security), in the
    shape of ``report_counts``, plus ``video_ids``."""
    async def work(pool):
        async with pool.acquire() as conn:
            totals = await conn.fetchrow(
                "SELECT count(*) AS videos, count(*) FILTER (WHERE status = 'completed') AS completed,"
                " count(*) FILTER (WHERE status = 'failed') AS failed,"
                " coalesce(sum(duration) FILTER (WHERE status <> 'failed'), 0) / 60.0 AS minutes"
                " FROM videos WHERE tenant_id = $1", tenant_id)
            clips = await conn.fetchval(
                "SELECT count(*) FROM clips c JOIN videos v USING (video_id) WHERE v.tenant_id = $1", tenant_id)
            stages = await conn.fetch(
                "SELECT s.stage, count(*) AS n FROM video_stages s JOIN videos v USING (video_id)"
                " WHERE v.tenant_id = $1 AND s.status = 'completed' AND s.started_at IS NOT NULL"
                " AND s.finished_at IS NOT NULL GROUP BY s.stage", tenant_id)
            ids = [r["video_id"] for r in await conn.fetch("SELECT video_id FROM videos WHERE tenant_id = $1",
                                                           tenant_id)]
        return {"videos": totals["videos"], "completed": totals["completed"], "failed": totals["failed"],
                "usage_minutes": round(float(totals["minutes"]), 2), "clips": clips,
                "stages": {r["stage"]: r["n"] for r in stages}, "video_ids": ids}

    return as_owner(settings, work)


def report_counts(report: dict) -> dict:
    """The counts of a ``/v1/analytics`` report that PostgreSQL can vouch for."""
    return {"videos": report["videos"], "completed": report["completed"], "failed": report["failed"],
            "usage_minutes": report["usage_minutes"], "clips": report["clips"],
            "stages": {s: v["count"] for s, v in report["stages"].items() if v["count"]}}


def analytics_report(http: httpx.Client, days: int = 3) -> dict:
    """``GET /v1/analytics`` with the tenant's key already on ``http``."""
    response = http.get("/v1/analytics", params={"days": days})
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_report(http: httpx.Client, want: dict, timeout: float = 90.0) -> dict:
    """The report once the sink has caught up with ``want`` (it trails the pipeline by a batch),
    or the last one read when ``timeout`` runs out. While the worker that serves it restarts the
    route answers 503: that is waited out too."""
    deadline = time.monotonic() + timeout
    while True:
        response = http.get("/v1/analytics", params={"days": 3})
        late = time.monotonic() > deadline
        if response.status_code == 200:
            report = response.json()
            if report_counts(report) == want or late:
                return report
        elif late:
            raise AssertionError(f"no analytics report: HTTP {response.status_code} {response.text[:300]}")
        time.sleep(1.0)
