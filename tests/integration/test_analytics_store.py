"""The analytics store on the real embedded engine (chdb): events in, the tenant's report out,
exact under replays and re-emitted events, tenant-scoped, with recorded migrations."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from streams.adapters.analytics import AnalyticsStore
from streams.analytics import migrations
from streams.analytics.rows import from_message
from streams.errors import ConfigError
from streams.settings import Settings

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def store(tmp_path):
    opened = AnalyticsStore.open(Settings.from_env().with_overrides(clickhouse_path=tmp_path / "ch"))
    yield opened
    opened.close()


class Feed:
    """Messages of made-up videos as the pipeline would publish them (topic, bytes, headers)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes, dict]] = []
        self.n = 0

    def add(self, topic: str, tenant: str, video: str, seconds: float, headers: dict | None = None, **fields) -> None:
        self.n += 1
        at = (NOW + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = {"schema_version": 1, "event_id": f"ev{self.n}", "tenant_id": tenant, "video_id": video,
                "produced_at": at, **fields}
        self.messages.append((topic, json.dumps(body).encode(), headers or {}))

    def stage(self, tenant, video, stage, started, finished) -> None:
        self.add("events", tenant, video, started, stage=stage, status="started")
        self.add("events", tenant, video, finished, stage=stage, status="finished")

    def completed_video(self, tenant: str, video: str, duration: float, clips: int, language: str = "en") -> None:
        self.add("uploads", tenant, video, 0, source_uri="s3://b/k", filename="talk.mp4", size_bytes=1000, options={})
        self.stage(tenant, video, "ingest", 1, 4)
        half = duration / 2
        for i, (start, end) in enumerate(((0, half), (half, duration))):
            self.add("audio_chunks", tenant, video, 2 + i, chunk_index=i, start=start, end=end, audio_uri="x",
                     is_last=i == 1, video_duration=duration)
            self.add("transcripts", tenant, video, 10 + i * 8, chunk_index=i, start=start, end=end, language=language,
                     words=[], segments=[], is_last=i == 1)
        self.stage(tenant, video, "transcribe", 5, 18)
        self.stage(tenant, video, "moments", 11, 19)
        self.add("events", tenant, video, 20, stage="render", status="started")
        for c in range(clips):
            self.add("renders", tenant, video, 25 + c, clip_id=f"{video}-c{c}", moment_id=f"m{c}", rank=c + 1,
                     aspect="9:16", start=0, end=30, duration=30.0)
        self.add("events", tenant, video, 40, stage="render", status="finished")
        self.add("events", tenant, video, 41, stage="video", status="finished")

    def failed_video(self, tenant: str, video: str) -> None:
        self.add("uploads", tenant, video, 0, source_uri="s3://b/k", filename="x.mp4", size_bytes=10, options={})
        self.add("events", tenant, video, 1, stage="ingest", status="started")
        self.add("ingest.dlq", tenant, video, 2, headers={"error_code": b"not_media", "error": b"not a video",
                                                           "source_topic": b"uploads"})
        self.add("events", tenant, video, 2, stage="ingest", status="failed", error_code="not_media",
                 reason="not a video")
        self.add("events", tenant, video, 2, stage="video", status="failed", error_code="not_media",
                 reason="not a video")

    def rows(self, messages=None) -> list[tuple]:
        return [from_message(t, v, h, NOW.timestamp()) for t, v, h in (messages or self.messages)]


def _feed() -> Feed:
    feed = Feed()
    feed.completed_video("tenant-a", "va1", 120.0, clips=3)
    feed.completed_video("tenant-a", "va2", 60.0, clips=2, language="de")
    feed.failed_video("tenant-a", "va3")
    feed.completed_video("tenant-b", "vb1", 600.0, clips=1)
    return feed


def _insert_in_batches(store, rows, size) -> None:
    for i in range(0, len(rows), size):
        store.insert(rows[i:i + size])


def _counts(report: dict) -> dict:
    return {k: report[k] for k in ("videos", "completed", "failed", "processing", "usage_minutes", "clips")}


def test_the_report_counts_videos_minutes_clips_latencies_and_failures(store):
    feed = _feed()
    _insert_in_batches(store, feed.rows(), 7)
    report = store.usage("tenant-a", days=7)
    assert _counts(report) == {"videos": 3, "completed": 2, "failed": 1, "processing": 0, "usage_minutes": 3.0,
                               "clips": 5}
    assert report["stages"]["transcribe"] == {"count": 2, "p50_seconds": 13.0, "p95_seconds": 13.0,
                                              "p99_seconds": 13.0}
    assert report["stages"]["ingest"]["count"] == 2  # the failed run is no latency sample
    assert report["end_to_end"]["p50_seconds"] == 41.0 and report["first_clip"]["p50_seconds"] == 25.0
    assert report["asr"]["chunks"] == 4 and report["asr"]["audio_minutes"] == 3.0
    # chunk 0 of va1: cut at +2 s, transcribed at +10 s, 60 s of audio
    assert report["asr"]["realtime_factor_p50"] is not None
    assert report["languages"] == [{"language": "en", "videos": 1, "minutes": 2.0},
                                   {"language": "de", "videos": 1, "minutes": 1.0}]
    assert {(f["stage"], f["kind"], f["error_code"], f["videos"], f["events"]) for f in report["failures"]} == {
        ("ingest", "failed", "not_media", 1, 1), ("ingest", "dead_lettered", "not_media", 1, 1)}
    today = report["daily"][-1]
    assert report["daily"][-1]["day"] == NOW.date().isoformat() or report["daily"][-2]["day"] == NOW.date().isoformat()
    assert len(report["daily"]) == 7 and sum(d["videos"] for d in report["daily"]) == 3
    assert sum(d["clips"] for d in report["daily"]) == 5 and today["minutes"] >= 0


def test_replaying_every_event_and_re_emitted_events_change_no_count(store):
    feed = _feed()
    rows = feed.rows()
    _insert_in_batches(store, rows, 7)
    before = {t: store.usage(t, days=7) for t in ("tenant-a", "tenant-b")}
    # The whole stream again, batched differently and backwards, and some of it a third time.
    _insert_in_batches(store, rows[::-1], 3)
    for row in rows[:10]:
        store.insert([row])
    # A redelivered chunk is transcribed again: the same facts under new event ids, a little later.
    redo = Feed()
    redo.n = 10_000
    redo.add("events", "tenant-a", "va1", 30, stage="transcribe", status="started")
    redo.add("transcripts", "tenant-a", "va1", 31, chunk_index=1, start=60, end=120, language="en", words=[],
             segments=[], is_last=True)
    redo.add("events", "tenant-a", "va1", 32, stage="transcribe", status="finished")
    redo.add("renders", "tenant-a", "va1", 33, clip_id="va1-c0", moment_id="m0", rank=1, aspect="9:16", start=0,
             end=30, duration=30.0)
    store.insert(redo.rows())
    after = {t: store.usage(t, days=7) for t in ("tenant-a", "tenant-b")}
    assert after == before
    # Read with FINAL, the events table holds each event once, merged or not.
    kept = store.client.query("SELECT count(), uniqExact(event_id) FROM events FINAL").result_rows[0]
    assert kept == (len(rows) + len(redo.messages),) * 2


def test_a_chunks_language_does_not_depend_on_the_order_its_events_arrive_in(store):
    # Each event its own insert, newest first: a chunk's audio_chunk_ready (no language) lands
    # after its transcript, as a replay or a slow ingest consumer can make happen.
    for row in _feed().rows()[::-1]:
        store.insert([row])
    assert store.usage("tenant-a", days=7)["languages"] == [{"language": "en", "videos": 1, "minutes": 2.0},
                                                            {"language": "de", "videos": 1, "minutes": 1.0}]


def test_a_tenant_sees_nothing_of_another_tenants(store):
    _insert_in_batches(store, _feed().rows(), 50)
    b = store.usage("tenant-b", days=7)
    assert _counts(b) == {"videos": 1, "completed": 1, "failed": 0, "processing": 0, "usage_minutes": 10.0,
                          "clips": 1}
    assert b["failures"] == [] and b["asr"]["chunks"] == 2
    nobody = store.usage("tenant-c' OR '1'='1", days=7)
    assert _counts(nobody) == {"videos": 0, "completed": 0, "failed": 0, "processing": 0, "usage_minutes": 0.0,
                               "clips": 0}
    assert all(s["count"] == 0 and s["p50_seconds"] is None for s in nobody["stages"].values())
    assert nobody["failures"] == [] and nobody["asr"]["chunks"] == 0


def test_migrations_are_recorded_applied_once_and_never_edited(store, tmp_path):
    assert store.migrate() == []
    recorded = store.client.query("SELECT version, name FROM schema_migrations FINAL ORDER BY version").result_rows
    assert recorded == [(m.version, m.name) for m in migrations.load()]
    edited = tmp_path / "edited"
    shutil.copytree(migrations.DIRECTORY, edited)
    first = sorted(edited.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(ConfigError, match="changed after it was applied"):
        migrations.migrate(store.client, edited)
    (edited / "0999_more.sql").write_text("CREATE TABLE IF NOT EXISTS more (x UInt8) ENGINE = Log;")
    first.write_text(sorted(migrations.DIRECTORY.glob("*.sql"))[0].read_text())
    assert migrations.migrate(store.client, edited) == ["0999_more.sql"]
    assert migrations.migrate(store.client, edited) == []


def test_rows_past_the_retention_period_are_not_kept(store):
    old = Feed()
    old.add("events", "tenant-a", "old", -500 * 86400, stage="ingest", status="started")
    store.insert(old.rows())
    assert store.client.query("SELECT count() FROM events WHERE video_id = 'old'").result_rows == [(0,)]


async def test_a_spool_file_whose_sender_was_killed_is_sent_by_the_next_one(store, tmp_path):
    """The sink claims a spooled file by renaming it to ``.sending-<pid>``; a sender SIGKILLed
    while inserting leaves it so. Its messages were acknowledged when spooled: the next sender
    must take the claim back and send it, and leave a living sender's claim alone."""
    from streams.agents import analytics as sink

    feed = Feed()
    feed.completed_video("t-spool", "v-spool", 30.0, 2)
    messages = [{"topic": t, "value": v, "headers": h, "timestamp": None} for t, v, h in feed.messages]
    folder = tmp_path / "spool"
    dead = subprocess.Popen(["true"])
    dead.wait()
    stranded = sink.spool(messages, folder).rename(folder / f"stranded.sending-{dead.pid}")
    busy = sink.spool(messages[:1], folder).rename(folder / "busy.sending-1")  # pid 1 lives
    await sink._resend_spooled(store, folder)
    assert not stranded.exists() and busy.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["busy.sending-1"]
    held = store.client.query("SELECT count() FROM events FINAL WHERE video_id = 'v-spool'").result_rows
    assert held == [(len(messages),)]


def test_minutes_without_speech_count_for_no_language(store):
    feed = _feed()
    feed.completed_video("tenant-a", "va4", 240.0, clips=0, language="und")  # all music, no words
    store.insert(feed.rows())
    report = store.usage("tenant-a", days=7)
    assert report["languages"] == [{"language": "en", "videos": 1, "minutes": 2.0},
                                   {"language": "de", "videos": 1, "minutes": 1.0}]
    assert report["usage_minutes"] == 7.0  # the silent video is still processed time


def test_talk_time_per_speaker_per_video_is_a_row_each_and_a_replay_changes_nothing(store):
    feed = Feed()
    talk = [{"speaker": "S1", "talk_seconds": 90.0}, {"speaker": "S2", "talk_seconds": 30.0}]
    feed.add("events", "tenant-a", "vs1", 18, stage="transcribe", status="finished", speakers=talk)
    feed.add("events", "tenant-a", "vs2", 18, stage="transcribe", status="finished")  # not diarized
    store.insert(feed.rows())
    store.insert(feed.rows())  # the same events again
    query = ("SELECT video_id, speaker, talk_seconds, round(share, 3) FROM speaker_talk_time"
             " WHERE tenant_id = 'tenant-a' ORDER BY video_id, speaker")
    with store._lock:
        rows = [tuple(r) for r in store.client.query(query).result_rows]
    assert rows == [("vs1", "S1", 90.0, 0.75), ("vs1", "S2", 30.0, 0.25)]


def test_each_posts_latest_statistics_are_in_the_report_and_a_replay_changes_nothing(store):
    feed = Feed()
    post = "pst_" + "a" * 32

    def stats(seconds, views, likes, comments=None, tenant="tenant-a", post_id=post, platform="youtube"):
        counts = {k: v for k, v in (("views", views), ("likes", likes), ("comments", comments)) if v is not None}
        feed.add("post_stats", tenant, "va1", seconds, post_id=post_id, clip_id="va1-c0", platform=platform,
                 platform_id="yt1", **counts)

    stats(100, 10, 1)
    stats(3700, 250, 12, 3)  # an hour later: the latest sample
    stats(50, 5, 0, post_id="pst_" + "b" * 32, platform="tiktok")
    stats(200, 999, 9, tenant="tenant-b", post_id="pst_" + "c" * 32)
    store.insert(feed.rows())
    store.insert(feed.rows())  # fetched events read again
    posts = store.usage("tenant-a", days=7)["posts"]
    assert [(p["post_id"], p["platform"], p["views"], p["likes"], p["comments"], p["samples"]) for p in posts] == [
        (post, "youtube", 250, 12, 3, 2), ("pst_" + "b" * 32, "tiktok", 5, 0, None, 1)]
    assert posts[0]["clip_id"] == "va1-c0" and posts[0]["video_id"] == "va1"
    assert posts[0]["fetched_at"] == (NOW + timedelta(seconds=3700)).isoformat().replace("+00:00", "Z")
    assert [p["views"] for p in store.usage("tenant-b", days=7)["posts"]] == [999]
