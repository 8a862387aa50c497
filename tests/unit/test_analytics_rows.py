"""A pipeline message as an ``events`` row, and the migration scripts' statements."""

import json
from datetime import datetime, timezone

from streams.analytics.migrations import load, split_statements
from streams.analytics.rows import COLUMNS, from_message


def _row(topic, value, headers=None, timestamp=None) -> dict:
    return dict(zip(COLUMNS, from_message(topic, value, headers, timestamp)))


def _event(**fields) -> bytes:
    return json.dumps({"schema_version": 1, "event_id": "e1", "tenant_id": "t", "video_id": "v",
                       "produced_at": "2026-05-01T10:00:00.250Z", **fields}).encode()


def test_a_lifecycle_event_keeps_its_stage_status_and_times():
    row = _row("events", _event(stage="render", status="progress", duration_seconds=3.5, progress=0.5))
    assert row["event_type"] == "lifecycle" and row["stage"] == "render" and row["status"] == "progress"
    assert row["duration_seconds"] == 3.5 and row["progress"] == 0.5
    assert row["event_time"] == datetime(2026, 5, 1, 10, 0, 0, 250000, tzinfo=timezone.utc)
    assert (row["event_id"], row["tenant_id"], row["video_id"]) == ("e1", "t", "v")


def test_chunks_transcripts_clips_and_moments_get_their_measures():
    chunk = _row("audio_chunks", _event(chunk_index=2, start=60.0, end=118.5, is_last=False, video_duration=300.0,
                                        audio_uri="file:///x"))
    assert (chunk["stage"], chunk["chunk_index"], chunk["media_seconds"], chunk["video_duration"]) == \
        ("ingest", 2, 58.5, 300.0)
    words = [{"word": "a", "start": 0, "end": 1, "probability": 1.0}] * 3
    transcript = _row("transcripts", _event(chunk_index=0, start=0, end=10, language="en", words=words,
                                            segments=[], is_last=True))
    assert (transcript["words"], transcript["segments"], transcript["language"], transcript["is_last"]) == \
        (3, 0, "en", True)
    clip = _row("renders", _event(clip_id="c", moment_id="m", rank=1, aspect="9:16", start=5, end=35, duration=30.0))
    assert (clip["event_type"], clip["clip_id"], clip["media_seconds"], clip["rank"]) == ("clip_rendered", "c", 30.0, 1)
    found = _row("moments", _event(is_final=True, moments=[
        {"moment_id": "m1", "rank": 1, "start": 0, "end": 20, "score": 81.5, "signals": {"hook": 0.7},
         "reason": "a question answered", "title": "t"}]))
    assert found["moment_ids"] == ["m1"] and found["scores"] == [81.5] and found["signals"] == [{"hook": 0.7}]
    assert found["reasons"] == ["a question answered"]


def test_a_dead_letter_is_identified_by_its_bytes_and_carries_the_reason_from_its_headers():
    headers = {"error_code": b"not_media", "error": b"the bytes are not media", "source_topic": b"uploads"}
    first = _row("ingest.dlq", _event(), headers, timestamp=1.0)
    again = _row("ingest.dlq", _event(), headers, timestamp=99.0)
    assert first == again  # the same message re-published is the same row
    assert (first["event_type"], first["stage"], first["error_code"], first["source_topic"]) == \
        ("dead_letter", "ingest", "not_media", "uploads")
    assert first["event_id"] != "e1" and first["reason"] == "the bytes are not media"


def test_a_message_that_is_not_an_event_becomes_an_unreadable_row():
    row = _row("uploads", b"\xff\x00 not json", timestamp=1_700_000_000.0)
    assert row["event_type"] == "unreadable" and row["tenant_id"] == "" and len(row["event_id"]) == 40
    assert row["event_time"] == datetime.fromtimestamp(1_700_000_000.0, timezone.utc)
    wrong_types = _row("renders", _event(clip_id=5, rank="first", duration="long"))
    assert (wrong_types["clip_id"], wrong_types["rank"], wrong_types["media_seconds"]) == ("", None, None)


def test_statements_split_at_semicolons_outside_strings_and_without_comments():
    sql = "-- a comment; not a statement\nCREATE TABLE a (x String COMMENT 'one; two') ENGINE = Log;\n" \
          "SELECT 'it''s -- not a comment';\n\n"
    assert split_statements(sql) == ["CREATE TABLE a (x String COMMENT 'one; two') ENGINE = Log",
                                     "SELECT 'it''s -- not a comment'"]


def test_the_shipped_migrations_are_numbered_in_order_without_gaps():
    versions = [m.version for m in load()]
    assert versions == list(range(1, len(versions) + 1))
    assert all(m.statements for m in load())


def test_a_posts_statistics_keep_their_counts_and_a_count_not_given_stays_null():
    row = _row("post_stats", _event(post_id="pst_" + "0" * 32, clip_id="c", platform="tiktok", platform_id="7",
                                    views=1200, likes=48))
    assert (row["event_type"], row["stage"], row["post_id"], row["clip_id"], row["platform"]) == \
        ("post_stats_fetched", "publish", "pst_" + "0" * 32, "c", "tiktok")
    assert (row["views"], row["likes"], row["comments"]) == (1200, 48, None)
    assert _row("post_stats", _event(post_id="p", clip_id="c", platform="youtube", platform_id="y",
                                     views=-5))["views"] is None  # a count of the wrong kind is left out
