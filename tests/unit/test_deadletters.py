"""The dead-letter record: headers that say what failed, where and how often; a sample instead of
a value too big to keep; replayed copies traceable to the first failure; choosing which to replay."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from streams.domain.deadletters import SAMPLE_BYTES, DeadLetter, Origin, letter, select, table
from streams.errors import DeadLetterError

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def _read_back(stage: str, key, value, headers, partition=0, offset=0, ts=1_000) -> DeadLetter:
    return DeadLetter(stage, partition, offset, ts, key, value, headers)


def test_a_dead_letter_keeps_key_and_value_and_says_what_failed_where():
    origin = Origin("audio_chunks", 2, 41, b"\xff\xfegarbage", b'{"a": 1}', {"traceparent": b"00-abc"})
    key, value, headers = letter("transcribe", origin, "inference_unavailable", "Triton down " * 300, attempts=8,
                                 max_value_bytes=1024, now=NOW)
    assert key == b"\xff\xfegarbage" and value == b'{"a": 1}'
    assert headers["error_code"] == b"inference_unavailable"
    assert len(headers["error"]) == 2000
    assert headers["stage"] == b"transcribe" and headers["source_topic"] == b"audio_chunks"
    assert headers["source_partition"] == b"2" and headers["source_offset"] == b"41"
    assert headers["attempts"] == b"8" and headers["value_bytes"] == b"8"
    assert headers["dead_lettered_at"] == b"2026-03-01T12:00:00.000Z"
    assert "value_truncated" not in headers and "traceparent" not in headers

    back = _read_back("transcribe", key, value, headers, partition=1, offset=7)
    assert back.id == "transcribe:1:7"
    assert back.source == ("audio_chunks", 2, 41)
    assert back.video == repr(b"\xff\xfegarbage")
    back.check_replayable()


def test_a_value_over_the_limit_keeps_a_sample_and_cannot_be_replayed():
    huge = b"x" * (SAMPLE_BYTES * 3)
    key, value, headers = letter("ingest", Origin("uploads", 0, 3, b"v", huge), "event_too_large", "too big",
                                 attempts=1, max_value_bytes=SAMPLE_BYTES * 2)
    assert value == huge[:SAMPLE_BYTES] and headers["value_truncated"] == b"1"
    back = _read_back("ingest", key, value, headers)
    assert back.size == len(huge) and back.truncated
    with pytest.raises(DeadLetterError, match="cannot be replayed"):
        back.check_replayable()


def test_a_replayed_copy_is_traceable_and_a_copy_that_fails_again_carries_that_forward():
    key, value, headers = letter("moments", Origin("transcripts", 0, 5, b"v", b"{}"), "contract_violation", "bad",
                                 attempts=1, max_value_bytes=100)
    first = _read_back("moments", key, value, headers, partition=3, offset=9)
    copy_headers = dict(first.replay_headers(now=NOW))
    assert copy_headers["replay_of"] == b"moments:3:9" and copy_headers["replay_count"] == b"1"
    assert copy_headers["replayed_at"] == b"2026-03-01T12:00:00.000Z"

    # the copy fails again: its dead letter names the first, and a replay of it is one deeper
    _, _, again = letter("moments", Origin("transcripts", 1, 80, b"v", b"{}", copy_headers), "contract_violation",
                         "bad", attempts=1, max_value_bytes=100)
    second = _read_back("moments", b"v", b"{}", again, partition=3, offset=10)
    assert second.as_json()["replay_of"] == "moments:3:9"
    assert dict(second.replay_headers())["replay_count"] == b"2"


def _letters():
    out = []
    for partition, offset, video in ((0, 4, "a"), (1, 4, "b"), (1, 5, "a"), (2, 0, "c")):
        _, _, headers = letter("render", Origin("moments", partition, offset, video.encode(), b"{}"), "x", "y",
                               attempts=1, max_value_bytes=10)
        out.append(_read_back("render", video.encode(), b"{}", headers, partition, offset, ts=offset))
    return out


def test_choosing_dead_letters_by_place_or_video():
    letters = _letters()
    assert [d.id for d in select(letters, offset="1:4")] == ["render:1:4"]
    assert [d.id for d in select(letters, offset="0")] == ["render:2:0"]
    assert [d.id for d in select(letters, video="a")] == ["render:0:4", "render:1:5"]
    assert len(select(letters)) == 4
    with pytest.raises(DeadLetterError, match="partitions 0, 1"):
        select(letters, offset="4")
    with pytest.raises(DeadLetterError, match="no dead letter at 3:3"):
        select(letters, offset="3:3")
    with pytest.raises(DeadLetterError, match="PARTITION:OFFSET"):
        select(letters, offset="one")


def test_the_table_shows_the_reason_and_whether_it_was_replayed():
    text = table([(d, i == 0) for i, d in enumerate(_letters())])
    lines = text.splitlines()
    assert lines[0].split() == ["id", "time", "video", "code", "source", "size", "replayed", "reason"]
    assert "render:0:4" in lines[1] and "yes" in lines[1] and "moments:0:4" in lines[1]
    assert lines[1].rstrip().endswith("y") and "yes" not in lines[2]


def test_the_operator_tool_knows_every_stage_that_writes_dead_letters():
    """Every agent module's stage has its dead-letter topic declared, named as the operator tool
    (``clipstream dlq``, which takes ``pipeline.CONSUMING_STAGES``) reads it."""
    import importlib
    import pkgutil

    import streams.agents
    from streams.worker import topics
    from streams.domain.pipeline import CONSUMING_STAGES

    stages = {getattr(importlib.import_module(f"streams.agents.{m.name}"), "STAGE", None)
              for m in pkgutil.iter_modules(streams.agents.__path__)} - {None}
    assert stages == set(CONSUMING_STAGES)
    assert {s: t.get_topic_name() for s, t in topics.DEAD_LETTER.items()} == {s: f"{s}.dlq" for s in stages}


def test_the_topic_names_the_services_prepare_are_the_worker_s_topics():
    """``clipstream migrate`` and readiness take the names from ``pipeline.topic_names`` (below the
    worker); they are exactly the topics the worker declares."""
    from streams.domain.pipeline import topic_names
    from streams.worker import topics

    assert sorted(topic_names()) == sorted(t.get_topic_name() for t in topics.ALL)
    assert len(set(topic_names())) == len(topic_names())
