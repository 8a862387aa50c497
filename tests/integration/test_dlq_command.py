"""``clipstream dlq list|replay`` against the real broker: dead letters written as a stage writes
them, listed with their reasons, replayed one by place or all at once to the topic they came from
with their key and a traceable header, never twice, never from a truncated sample."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from streams.adapters.kafka_admin import ensure_topics
from streams.cli.main import build_parser
from streams.cli.operations import cmd_dlq
from streams.domain.deadletters import SAMPLE_BYTES, Origin, letter
from tests.topics import read_topic

pytestmark = pytest.mark.integration

STAGE = "search"  # its source topic here is the test's own, which no agent reads


def _dlq(settings, capsys, *argv: str):
    capsys.readouterr()
    assert cmd_dlq(build_parser().parse_args(["dlq", *argv, "--json"]), settings) == 0
    return json.loads(capsys.readouterr().out)


async def _write(bootstrap: str, letters: list[tuple[Origin, str, str]]) -> None:
    await ensure_topics(bootstrap, [f"{STAGE}.dlq", letters[0][0].topic], 4)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        for origin, code, reason in letters:
            key, value, headers = letter(STAGE, origin, code, reason, attempts=1, max_value_bytes=2 * SAMPLE_BYTES)
            await producer.send_and_wait(f"{STAGE}.dlq", value, key=key, headers=list(headers.items()))
    finally:
        await producer.stop()


def test_list_and_replay_dead_letters(stack, capsys):
    source = f"dlq-test-{uuid.uuid4().hex[:8]}"
    videos = [f"v-{uuid.uuid4().hex[:10]}" for _ in range(3)]
    value = [json.dumps({"video_id": v, "n": i}).encode() for i, v in enumerate(videos)]
    asyncio.run(_write(stack.kafka_bootstrap, [
        (Origin(source, 0, 10, videos[0].encode(), value[0]), "contract_violation", "transcripts: not JSON"),
        (Origin(source, 0, 11, videos[1].encode(), value[1]), "storage_unavailable", "the store timed out"),
        (Origin(source, 0, 11, videos[1].encode(), value[1]), "video_failed", "set aside"),  # the same message again
        (Origin(source, 0, 12, videos[2].encode(), b"x" * (3 * SAMPLE_BYTES)), "event_too_large", "too big"),
    ]))

    listed = {d["video_id"]: d for d in _dlq(stack, capsys, "list", "--stage", STAGE, "--limit", "1000")
              if d["video_id"] in videos}
    assert listed[videos[0]]["reason"] == "transcripts: not JSON"
    assert listed[videos[0]]["source_topic"] == source and listed[videos[0]]["source_offset"] == 10
    assert listed[videos[2]]["truncated"] and listed[videos[2]]["size"] == 3 * SAMPLE_BYTES
    assert not any(d["replayed"] for d in listed.values())
    first = listed[videos[0]]

    [one] = _dlq(stack, capsys, "replay", "--stage", STAGE, "--offset", f"{first['partition']}:{first['offset']}")
    assert one["action"] == "replayed" and one["sent_to"].startswith(f"{source}:")

    outcomes = {(o["video_id"], o["action"]): o for o in _dlq(stack, capsys, "replay", "--stage", STAGE, "--all")
                if o["video_id"] in videos}
    assert "already replayed" in outcomes[(videos[0], "skipped")]["detail"]
    assert (videos[1], "replayed") in outcomes
    assert "the same message as" in outcomes[(videos[1], "skipped")]["detail"]  # its twin, sent once
    assert "cannot be replayed" in outcomes[(videos[2], "skipped")]["detail"]

    again = [o for o in _dlq(stack, capsys, "replay", "--stage", STAGE, "--all") if o["video_id"] in videos]
    assert {o["action"] for o in again} == {"skipped"}
    assert all(d["replayed"] for d in _dlq(stack, capsys, "list", "--stage", STAGE, "--limit", "1000")
               if d["video_id"] in videos[:2])

    copies = asyncio.run(read_topic(stack.kafka_bootstrap, source, raw=True))
    assert sorted((m["key"], m["value"]) for m in copies) == sorted(
        [(videos[0].encode(), value[0]), (videos[1].encode(), value[1])])
    assert all(m["headers"]["replay_of"].startswith(f"{STAGE}:") and m["headers"]["replay_count"] == "1"
               for m in copies)


def test_a_deleted_videos_dead_letters_are_not_sent_again(stack, capsys):
    """Its stages would skip them, and sending them would put the deleted talk's words back on a
    topic for another retention period."""
    from streams.adapters.catalog import Catalog
    from tests.owner import as_owner

    source = f"dlq-test-{uuid.uuid4().hex[:8]}"
    gone, kept = (f"v-{uuid.uuid4().hex[:10]}" for _ in range(2))

    async def delete_one(pool):
        catalog = Catalog(pool)
        await catalog.create_video(gone, "default", "talk.mp4", f"file:///tmp/{gone}.mp4", 10, {})
        await catalog.delete_video(gone)

    as_owner(stack, delete_one)
    values = {v: json.dumps({"video_id": v, "words": "what the talk said"}).encode() for v in (gone, kept)}
    asyncio.run(_write(stack.kafka_bootstrap, [
        (Origin(source, 0, i, v.encode(), values[v]), "storage_unavailable", "the store timed out")
        for i, v in enumerate((gone, kept))
    ]))

    outcomes = {o["video_id"]: o for o in _dlq(stack, capsys, "replay", "--stage", STAGE, "--all")
                if o["video_id"] in (gone, kept)}
    assert outcomes[kept]["action"] == "replayed"
    assert outcomes[gone]["action"] == "skipped" and "deleted" in outcomes[gone]["detail"]
    copies = asyncio.run(read_topic(stack.kafka_bootstrap, source, raw=True))
    assert [(m["key"], m["value"]) for m in copies] == [(kept.encode(), values[kept])]


def test_replay_needs_a_choice_and_a_known_stage(stack, capsys):
    from streams.errors import DeadLetterError

    with pytest.raises(DeadLetterError, match="no stage"):
        cmd_dlq(build_parser().parse_args(["dlq", "list", "--stage", "nope"]), stack)
    with pytest.raises(SystemExit):  # argparse: one of --offset, --video, --all is required
        build_parser().parse_args(["dlq", "replay", "--stage", STAGE])
