"""Analytics through the whole pipeline: after real videos, ``/v1/analytics`` (ClickHouse, fed by
the worker's sink) agrees with PostgreSQL, the system of record; publishing every one of those
videos' messages again changes nothing; another tenant sees none of it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.cli.client import Client
from tests.checks import analytics_report, postgres_truth, report_counts, wait_for_report
from tests.owner import new_tenant
from tests.topics import partitions, worker_caught_up

pytestmark = [pytest.mark.integration, pytest.mark.slow]

async def _republish(bootstrap: str, video_ids: set[str]) -> int:
    """Every message on every topic keyed by one of ``video_ids``, published again as it was
    (key, bytes, headers): what a replay or a redelivery puts before the sink."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    found = []
    try:
        parts = await partitions(bootstrap)
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        remaining = {tp for tp in parts if ends[tp] > 0}
        while remaining:
            batch = await consumer.getmany(timeout_ms=2000)
            for tp, messages in batch.items():
                for m in messages:
                    if m.key is not None and m.key.decode() in video_ids:
                        found.append((tp.topic, m.key, m.value, list(m.headers or ())))
                if messages and messages[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for topic, key, value, headers in found:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()
    return len(found)


def test_analytics_equal_postgres_and_a_replay_changes_nothing(pipeline, media_dir, tmp_path):
    settings = pipeline.settings
    tenant_id, key = new_tenant(settings, "analytics a")
    client = Client(settings.api_url, key, timeout=120)
    try:
        videos = [
            client.submit(media_dir / "speech" / "jfk.wav", clip_count=2, min_seconds=3, max_seconds=8),
            client.submit(media_dir / "speech" / "jfk.flac", clip_count=1, min_seconds=5, max_seconds=11),
            client.submit(media_dir / "speech" / "mlx_ls_test.flac", clip_count=1, min_seconds=3, max_seconds=7),
        ]
        garbage = tmp_path / "notes.mp4"
        garbage.write_bytes(b"these are meeting notes, not a video\n" * 200)
        videos.append(client.submit(garbage))
        final = [client.wait(v["video_id"], timeout=900) for v in videos]
    finally:
        client.close()
    assert [v["status"] for v in final] == ["completed"] * 3 + ["failed"], [v.get("error") for v in final]

    truth = postgres_truth(settings, tenant_id)
    ids = set(truth.pop("video_ids"))
    assert truth["videos"] == 4 and truth["clips"] >= 3
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=settings.api_url, timeout=60, headers=headers) as http:
        report = wait_for_report(http, truth)
        assert report_counts(report) == truth
        assert report["source"] == "clickhouse"
        for stage in ("ingest", "transcribe", "moments", "render"):
            latency = report["stages"][stage]
            assert latency["count"] == 3 and 0 <= latency["p50_seconds"] <= latency["p95_seconds"], (stage, latency)
        assert report["end_to_end"]["count"] == 3 and report["first_clip"]["count"] == 3
        assert report["asr"]["chunks"] == 3 and report["asr"]["realtime_factor_p50"] > 0
        assert any(f["stage"] == "ingest" and f["kind"] == "failed" and f["videos"] == 1 for f in report["failures"])
        assert sum(d["videos"] for d in report["daily"]) == 4

        replayed = asyncio.run(_republish(settings.kafka_bootstrap, ids))
        assert replayed > 20
        asyncio.run(worker_caught_up(settings.kafka_bootstrap))
        assert analytics_report(http) == report  # every count, quantile and day, to the last digit
        after = postgres_truth(settings, tenant_id)
        assert set(after.pop("video_ids")) == ids and after == truth  # nor did PostgreSQL move

    # The worker's report route (embedded engine) answers only the holder of its token.
    worker = f"http://127.0.0.1:{settings.worker_port}/analytics/usage"
    for auth in ({}, {"Authorization": "Bearer not-the-token"}):
        assert httpx.get(worker, params={"tenant_id": tenant_id, "days": 3}, headers=auth).status_code == 401

    _, other_key = new_tenant(settings, "analytics b")
    with httpx.Client(base_url=settings.api_url, timeout=60, headers={"Authorization": f"Bearer {other_key}"}) as b:
        other = analytics_report(b)
    assert report_counts(other) == {"videos": 0, "completed": 0, "failed": 0, "usage_minutes": 0.0, "clips": 0, "stages": {}}
    assert other["failures"] == [] and other["asr"]["chunks"] == 0 and other["first_clip"]["count"] == 0
