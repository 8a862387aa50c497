"""Reading back what a scenario left: PostgreSQL rows, the files of storage, the webhook receiver's
accepted requests and ClickHouse, turned into the checker's facts (``invariants``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from streams.adapters.storage import video_prefix
from streams.domain.options import VideoOptions
from tests.faults.invariants import ClickHouseVideo, ScenarioFacts, VideoFacts
from tests.owner import as_owner

INCOMING = ".incoming"  # file storage's folder of writes in progress (a killed writer's part files stay)


@dataclass(frozen=True)
class Submitted:
    """A video the scenario submitted, and what it must become."""

    video_id: str
    name: str
    hostile: bool = False
    allowed_codes: frozenset[str] = frozenset()
    refused: dict | None = None  # the API's error, when it turned the upload away (no video then)


def storage_files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under file storage's ``root`` (hidden ones too): key -> (size, mtime in ns)."""
    files = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return files


def touched(before: dict, after: dict) -> set[str]:
    """Keys created, changed or deleted between two ``storage_files`` snapshots."""
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def read_postgres(settings, video_ids: list[str]) -> dict[str, dict]:
    """Each video's row (status, error, options, chunk count) with the ids of its clip rows."""
    async def work(pool):
        async with pool.acquire() as conn:
            rows = await conn.fetch("SELECT video_id, status, error_code, error, options, chunk_count, duration"
                                    " FROM videos WHERE video_id = ANY($1)", video_ids)
            clips = await conn.fetch("SELECT video_id, clip_id FROM clips WHERE video_id = ANY($1)", video_ids)
            ledger = await conn.fetch("SELECT subject, quantity FROM usage_records WHERE kind = 'source_seconds'"
                                      " AND subject = ANY($1)", video_ids)
        out = {r["video_id"]: {**dict(r), "clip_rows": [], "ledger": []} for r in rows}
        for c in clips:
            out[c["video_id"]]["clip_rows"].append(c["clip_id"])
        for row in ledger:
            if row["subject"] in out:
                out[row["subject"]]["ledger"].append(row["quantity"])
        return out

    return as_owner(settings, work)


def _wanted(options) -> int:
    import json

    typed = VideoOptions.from_json(json.loads(options) if isinstance(options, str) else (options or {}))
    return typed.clip_count * len(typed.aspect_ratios)


def storage_root(settings) -> Path:
    """The directory of file storage (the suite's stack stores in files)."""
    return Path(urlparse(settings.storage_url).path)


def read_scenario(settings, scenario: str, tenant_id: str, submitted: list[Submitted], window: tuple[dict, dict],
                  elsewhere: set[str], deliveries, postgres_counts: dict | None, clickhouse_counts: dict | None,
                  clickhouse: dict[str, ClickHouseVideo] | None = None) -> ScenarioFacts:
    """The facts of one scenario. ``window``: storage snapshots (``storage_files``) at its start and
    end, whose differences outside its videos' prefixes and the ``elsewhere`` ones (the other
    scenarios' videos, checked with those) are stray; ``deliveries``: what the receiver accepted for
    the tenant. Each video's objects are read after its rows, so a clip with a row has its files."""
    rows = read_postgres(settings, [s.video_id for s in submitted])
    files_now = storage_files(storage_root(settings))
    prefixes = {s.video_id: video_prefix(tenant_id, s.video_id) for s in submitted}
    by_video = {s.video_id: [] for s in submitted}
    for d in deliveries:
        if d.video_id in by_video:
            by_video[d.video_id].append(d)
    videos = []
    for s in submitted:
        if s.refused is not None:
            videos.append(VideoFacts(video_id=s.video_id, name=s.name, hostile=s.hostile, status="refused",
                                     error_code=s.refused.get("code"), error=s.refused.get("message"),
                                     allowed_codes=s.allowed_codes))
            continue
        row = rows.get(s.video_id, {"status": "missing", "error_code": None, "error": None, "options": {},
                                    "chunk_count": None, "clip_rows": [], "duration": None, "ledger": []})
        prefix = prefixes[s.video_id]
        videos.append(VideoFacts(
            video_id=s.video_id, name=s.name, hostile=s.hostile, allowed_codes=s.allowed_codes,
            status=row["status"], error_code=row["error_code"], error=row["error"],
            clips_wanted=_wanted(row["options"]), chunk_count=row["chunk_count"],
            clip_rows=tuple(row["clip_rows"]),
            objects=tuple(sorted(k[len(prefix):] for k in files_now if k.startswith(prefix))),
            deliveries=tuple(by_video[s.video_id]),
            clickhouse=(clickhouse or {}).get(s.video_id),
            duration=row["duration"], ledger=tuple(row["ledger"]),
        ))
    known = (*prefixes.values(), *elsewhere)
    stray = sorted(k for k in touched(*window) if not k.startswith(INCOMING + "/")
                   and not any(k.startswith(p) for p in known))
    return ScenarioFacts(
        scenario=scenario, videos=tuple(videos), stray_objects=tuple(stray),
        stray_deliveries=tuple(d for d in deliveries if d.video_id not in by_video),
        postgres=postgres_counts, clickhouse=clickhouse_counts,
    )


def read_clickhouse(settings, video_ids: list[str]) -> dict[str, ClickHouseVideo]:
    """Each video as the embedded ClickHouse holds it: its event rows after FINAL, its clips in
    the clip rollup, its completion or failure in the video rollup. The worker that owns the
    engine must be stopped (chdb lets one process open a data directory)."""
    from streams.adapters.analytics import AnalyticsStore

    store = AnalyticsStore.open(settings, migrate=False)
    try:
        params = {"ids": list(video_ids)}
        events: dict[str, list[str]] = {v: [] for v in video_ids}
        for video_id, event_id in store.client.query(
                "SELECT video_id, event_id FROM events FINAL WHERE video_id IN {ids:Array(String)}",
                parameters=params).result_rows:
            events[video_id].append(event_id)
        clips: dict[str, set[str]] = {v: set() for v in video_ids}
        for video_id, clip_id in store.client.query(
                "SELECT video_id, clip_id FROM clip_rollup WHERE video_id IN {ids:Array(String)}"
                " GROUP BY video_id, clip_id", parameters=params).result_rows:
            clips[video_id].add(clip_id)
        ends = {video_id: (completed, failed) for video_id, completed, failed in store.client.query(
            "SELECT video_id, min(completed_at) IS NOT NULL, min(failed_at) IS NOT NULL FROM video_rollup"
            " WHERE video_id IN {ids:Array(String)} GROUP BY video_id", parameters=params).result_rows}
    finally:
        store.close()
    return {v: ClickHouseVideo(events=tuple(events[v]), clip_ids=frozenset(clips[v]),
                               completed=bool(ends.get(v, (False, False))[0]),
                               failed=bool(ends.get(v, (False, False))[1])) for v in video_ids}
