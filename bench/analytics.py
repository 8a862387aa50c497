"""Benchmark: ClickHouse ingest of pipeline events, batched as the sink does against one row per
insert, and the tenant report's latency over what was ingested.

The events are the pipeline's own messages for made-up videos (an upload, a lifecycle event per
stage start, progress and finish, audio chunks, transcripts with words, moments with scores,
clips), turned into rows by the sink's own code (``streams.analytics.rows``; that mapping is timed
on its own). Each insert goes through the real schema: the ``events`` table and the five
materialized views that keep the rollups, so a row costs what it costs in production.

  1. Row at a time (the baseline, in the same run): ``--single`` events, one INSERT each.
  2. Batched: ``--events`` events in INSERTs of each ``--batches`` size (the sink's default is
     1000 or one second, whichever comes first).
  3. The report (``GET /v1/analytics``'s queries) for one tenant after all of it, p50/p95.

The embedded engine (chdb) in a fresh directory by default; ``--clickhouse-url`` for a server
(the tables are created there by the migrations, and the benchmark's rows stay).

Prints a table and writes bench/results/analytics.json.

    .venv/bin/python bench/analytics.py [--events 200000] [--single 2000] [--batches 100,1000,10000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import machine, percentile, table  # noqa: E402
from streams.adapters.analytics import AnalyticsStore, engine_version  # noqa: E402
from streams.analytics.rows import from_message  # noqa: E402
from streams.settings import Settings, project_root  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "analytics.json"
TENANTS = 20


def video_messages(tenant: str, video: str, start: datetime, chunks: int = 8, clips: int = 5) -> list[tuple]:
    """One video's messages as the pipeline publishes them: (topic, bytes, headers)."""
    out, t = [], 0.0

    def add(topic: str, **fields) -> None:
        nonlocal t
        t += 0.5
        at = (start + timedelta(seconds=t)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = {"schema_version": 1, "event_id": uuid.uuid4().hex, "tenant_id": tenant, "video_id": video,
                "produced_at": at, **fields}
        out.append((topic, json.dumps(body).encode(), {}))

    add("uploads", source_uri="s3://bucket/k", filename="talk.mp4", size_bytes=250_000_000, options={})
    for stage in ("ingest", "transcribe", "moments", "render"):
        add("events", stage=stage, status="started")
    words = [{"word": "word", "start": i * 0.4, "end": i * 0.4 + 0.3, "probability": 0.9} for i in range(200)]
    for i in range(chunks):
        add("audio_chunks", chunk_index=i, start=i * 90.0, end=(i + 1) * 90.0, audio_uri="s3://b/a.wav",
            is_last=i == chunks - 1, video_duration=chunks * 90.0)
        add("transcripts", chunk_index=i, start=i * 90.0, end=(i + 1) * 90.0, language="en", words=words,
            segments=[{"text": "a sentence", "start": 0.0, "end": 4.0}] * 20, is_last=i == chunks - 1)
        add("events", stage="transcribe", status="progress", progress=(i + 1) / chunks)
    add("moments", is_final=True, moments=[
        {"moment_id": f"m{r}", "rank": r, "start": r * 60.0, "end": r * 60.0 + 40, "score": 80.0 - r,
         "signals": {"hook": 0.7, "energy": 0.5, "faces": 0.9}, "reason": "a question, then the answer",
         "title": "A title"} for r in range(1, clips + 1)])
    for r in range(1, clips + 1):
        add("renders", clip_id=uuid.uuid4().hex[:16], moment_id=f"m{r}", rank=r, aspect="9:16", start=0.0,
            end=40.0, duration=40.0, mp4_uri="s3://b/c.mp4", srt_uri="", vtt_uri="", thumbnail_uri="")
        add("events", stage="render", status="progress", duration_seconds=12.5)
    for stage in ("ingest", "transcribe", "moments", "render", "video"):
        add("events", stage=stage, status="finished")
    return out


def messages(count: int) -> list[tuple]:
    start = datetime.now(timezone.utc) - timedelta(days=2)
    out: list[tuple] = []
    v = 0
    while len(out) < count:
        out += video_messages(f"tenant-{v % TENANTS}", uuid.uuid4().hex, start + timedelta(minutes=v))
        v += 1
    return out[:count]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000, help="events per batched run")
    parser.add_argument("--single", type=int, default=2_000, help="events inserted one at a time (baseline)")
    parser.add_argument("--batches", default="100,1000,10000", help="batch sizes")
    parser.add_argument("--reports", type=int, default=30, help="report queries timed")
    parser.add_argument("--clickhouse-url", default="", help="a ClickHouse server instead of the embedded engine")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",") if b]

    path = project_root() / ".local" / f"bench-analytics-{uuid.uuid4().hex[:8]}"
    settings = Settings.from_env().with_overrides(clickhouse_path=path, clickhouse_url=args.clickhouse_url)
    engine = "server " + args.clickhouse_url if args.clickhouse_url else f"embedded chdb {engine_version()}"
    print(f"ClickHouse: {engine}; generating events ...", flush=True)
    source = messages(args.single + args.events * len(batches))
    began = time.perf_counter()
    rows = [from_message(t, v, h) for t, v, h in source]
    mapping = len(rows) / (time.perf_counter() - began)
    store = AnalyticsStore.open(settings)
    results: dict = {"mapping_events_per_second": round(mapping)}
    try:
        single = rows[: args.single]
        began = time.perf_counter()
        for row in single:
            store.insert([row])
        seconds = time.perf_counter() - began
        results["row_at_a_time"] = {"events": len(single), "seconds": round(seconds, 3),
                                    "events_per_second": round(len(single) / seconds)}
        print(f"  row at a time: {len(single) / seconds:,.0f} events/s", flush=True)
        offset = args.single
        results["batched"] = {}
        for size in batches:
            chunk = rows[offset: offset + args.events]
            offset += args.events
            began = time.perf_counter()
            for i in range(0, len(chunk), size):
                store.insert(chunk[i: i + size])
            seconds = time.perf_counter() - began
            results["batched"][str(size)] = {"events": len(chunk), "seconds": round(seconds, 3),
                                             "events_per_second": round(len(chunk) / seconds)}
            print(f"  batches of {size}: {len(chunk) / seconds:,.0f} events/s", flush=True)
        stored = store.client.query("SELECT count() FROM events FINAL").result_rows[0][0]
        latencies = []
        for i in range(args.reports):
            began = time.perf_counter()
            store.usage(f"tenant-{i % TENANTS}", 30)
            latencies.append(time.perf_counter() - began)
        results["report"] = {"events_stored": stored, "tenants": TENANTS, "queries": len(latencies),
                             "p50_ms": round(statistics.median(latencies) * 1000, 1),
                             "p95_ms": round(percentile(latencies, 95) * 1000, 1)}
    finally:
        store.close()
        if not args.clickhouse_url:
            shutil.rmtree(path, ignore_errors=True)

    base = results["row_at_a_time"]["events_per_second"]
    out = [("inserts", "events", "seconds", "events/s", "x row at a time")]
    out.append(("one row each", f"{results['row_at_a_time']['events']:,}", f"{results['row_at_a_time']['seconds']:.2f}",
                f"{base:,}", "1.0"))
    for size, r in results["batched"].items():
        out.append((f"batches of {int(size):,}", f"{r['events']:,}", f"{r['seconds']:.2f}",
                    f"{r['events_per_second']:,}", f"{r['events_per_second'] / base:.0f}"))
    print(f"\nClickHouse ingest through the events table and its 5 materialized views ({engine}, "
          f"{os.cpu_count()} CPUs)")
    print(table(out))
    report = results["report"]
    print(f"\nrows mapped from messages: {results['mapping_events_per_second']:,} events/s (one core, Python)")
    print(f"tenant report over {report['events_stored']:,} events, {TENANTS} tenants: p50 {report['p50_ms']} ms, "
          f"p95 {report['p95_ms']} ms")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "analytics",
        "machine": machine(),
        "engine": engine,
        "args": vars(args),
        **results,
    }, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(project_root())}")


if __name__ == "__main__":
    main()
