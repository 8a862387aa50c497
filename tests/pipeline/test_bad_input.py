"""Bad uploads fail their own video with a reason a person can read, leave a dead-letter record,
and never stop the stream: a good upload right after each one still completes."""

from __future__ import annotations

import json
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from tests.media_recipes import (
    short_talk,
    silent_video,
    text_named_mp4,
    truncated_video,
)
from tests.topics import read_topic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def good_video(media_dir, built_media):
    return short_talk(media_dir, built_media)


def _bad_inputs(media_dir, built_media, good_video):
    return {
        "truncated": (truncated_video(good_video, built_media / "interview.mp4"), "truncated_media",
                      "interview.mp4 is cut off"),
        "text": (text_named_mp4(built_media / "notes.mp4"), "not_media", "notes.mp4 is not"),
        "silent": (silent_video(media_dir, built_media / "street.mp4"), "no_audio", "street.mp4 has no audio"),
    }


async def test_each_bad_upload_fails_alone_with_a_reason_and_the_next_upload_completes(
    pipeline, media_dir, built_media, good_video
):
    client = pipeline.client
    submitted = []
    for name, (path, code, message) in _bad_inputs(media_dir, built_media, good_video).items():
        bad = client.submit(path)["video_id"]
        good = client.submit(good_video, clip_count=1)["video_id"]
        submitted.append((name, bad, good, code, message))

    for name, bad, good, code, message in submitted:
        failed = client.wait(bad, timeout=300)
        assert failed["status"] == "failed", name
        assert failed["error"]["code"] == code, (name, failed["error"])
        assert failed["error"]["message"].startswith(message), (name, failed["error"])
        assert "/tmp" not in failed["error"]["message"] and ".local" not in failed["error"]["message"]
        ingest = next(s for s in failed["stages"] if s["stage"] == "ingest")
        assert ingest["status"] == "failed" and ingest["error"]["code"] == code

        done = client.wait(good, timeout=300)
        assert done["status"] == "completed", (name, done.get("error"))
        assert len(client.clips(good)["clips"]) == 1

    dead = await read_topic(pipeline.settings.kafka_bootstrap, "ingest.dlq", raw=True)
    by_video = {}
    for m in dead:
        try:
            by_video[json.loads(m["value"])["video_id"]] = m["headers"]
        except (ValueError, KeyError, TypeError):  # not every dead letter is valid JSON
            continue
    for name, bad, _, code, _ in submitted:
        assert by_video[bad]["error_code"] == code, name
        assert by_video[bad]["source_topic"] == "uploads"
        assert by_video[bad]["error"]


async def test_an_invalid_event_on_the_uploads_topic_is_dead_lettered_with_the_reason(pipeline):
    video_id = uuid.uuid4().hex
    invalid = {"schema_version": 1, "event_id": uuid.uuid4().hex, "tenant_id": "default", "video_id": video_id,
               "produced_at": "yesterday", "filename": "x.mp4", "size_bytes": -1}
    garbage = b"\x00not json " + uuid.uuid4().hex.encode()
    producer = AIOKafkaProducer(bootstrap_servers=pipeline.settings.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait("uploads", json.dumps(invalid).encode(), key=video_id.encode())
        await producer.send_and_wait("uploads", garbage, key=b"garbage")
    finally:
        await producer.stop()

    import asyncio

    for _ in range(60):
        dead = await read_topic(pipeline.settings.kafka_bootstrap, "ingest.dlq", raw=True)
        mine = [m for m in dead if m["value"] in (json.dumps(invalid).encode(), garbage)]
        if len(mine) == 2:
            break
        await asyncio.sleep(0.5)
    assert len(mine) == 2
    reasons = {m["value"]: m["headers"] for m in mine}
    assert reasons[garbage]["error_code"] == "contract_violation"
    assert "not JSON" in reasons[garbage]["error"]
    assert "upload_received" in reasons[json.dumps(invalid).encode()]["error"]
