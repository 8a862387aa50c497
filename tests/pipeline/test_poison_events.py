"""Poison on every topic an agent reads (not JSON, the wrong shape, a newer schema version, a
payload over the size limit, no key, a key that is not text) goes to each reading agent's
dead-letter topic with the code, the reason and the message's place, no agent crashes, and a good
video sent after all of it completes."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from streams.domain.deadletters import SAMPLE_BYTES
from tests.media_recipes import short_talk
from tests.poison import CONSUMERS, poisons, valid_event
from tests.topics import read_topic

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def _dead_letters(bootstrap: str, wanted: set[tuple[str, str, int, int]], timeout: float = 180) -> dict:
    """{(dlq, source topic, partition, offset): [records]} once every ``wanted`` place is there."""
    dlqs = sorted({w[0] for w in wanted})
    deadline = time.monotonic() + timeout
    while True:
        found: dict[tuple, list] = {}
        for dlq in dlqs:
            for m in await read_topic(bootstrap, dlq, raw=True):
                h = m["headers"]
                if "source_partition" in h:
                    place = (dlq, h["source_topic"], int(h["source_partition"]), int(h["source_offset"]))
                    found.setdefault(place, []).append(m)
        if wanted <= set(found) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(2)


async def test_poison_on_every_topic_is_dead_lettered_with_its_reason_and_the_stream_keeps_flowing(
    pipeline, media_dir, built_media
):
    settings = pipeline.settings
    log = pipeline.worker.log_path
    crashes_before = log.read_text(errors="replace").count("Crashed reason")
    limit = settings.max_event_bytes
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, max_request_size=4 * limit)
    await producer.start()
    sent = []
    try:
        for topic, (event_type, dlqs) in CONSUMERS.items():
            for poison in poisons(event_type, huge_bytes=limit):
                meta = await producer.send_and_wait(topic, poison.value, key=poison.key)
                sent.append((topic, dlqs, poison, meta.partition, meta.offset))
    finally:
        await producer.stop()

    video = await asyncio.to_thread(pipeline.process, short_talk(media_dir, built_media), 600, clip_count=1)
    assert video["status"] == "completed", video.get("error")

    wanted = {(dlq, topic, partition, offset) for topic, dlqs, _, partition, offset in sent for dlq in dlqs}
    found = await _dead_letters(settings.kafka_bootstrap, wanted)
    missing = sorted(wanted - set(found))
    assert not missing, missing
    for topic, dlqs, poison, partition, offset in sent:
        for dlq in dlqs:
            [record] = found[(dlq, topic, partition, offset)]  # exactly one each
            headers = record["headers"]
            assert headers["error_code"] == poison.code, (dlq, topic, poison.name, headers)
            assert headers["stage"] == dlq.removesuffix(".dlq")
            assert headers["error"] and headers["dead_lettered_at"]
            assert int(headers["value_bytes"]) == len(poison.value)
            assert record["key"] == poison.key, (dlq, topic, poison.name)
            if poison.name == "huge":
                assert headers["value_truncated"] == "1"
                assert record["value"] == poison.value[:SAMPLE_BYTES]
                assert "over the limit" in headers["error"]
            else:
                assert "value_truncated" not in headers
                assert record["value"] == poison.value
    reasons = {(t, p.name): found[(d[0], t, part, off)][0]["headers"]["error"] for t, d, p, part, off in sent}
    assert "not JSON" in reasons[("audio_chunks", "not_json")]
    assert "is a required property" in reasons[("audio_chunks", "wrong_shape")]
    assert "unsupported schema_version 2" in reasons[("moments", "newer_version")]
    assert "no key" in reasons[("events", "no_key")]
    assert "not UTF-8" in reasons[("renders", "garbage_key")]

    assert log.read_text(errors="replace").count("Crashed reason") == crashes_before, "an agent crashed"


async def test_a_broken_message_for_a_video_in_progress_fails_that_video_with_the_reason(pipeline):
    """A stage cannot finish a video without the message it could not read: the video fails, with
    the reason. A message that names the video under another tenant fails nothing."""
    from streams.adapters.catalog import Catalog
    from tests.owner import as_owner

    settings = pipeline.settings
    video_id = "poisoned-" + uuid.uuid4().hex[:12]

    async def create(pool):
        await Catalog(pool).create_video(video_id, pipeline.tenant_id, "talk.mp4", f"file:///nowhere/{video_id}.mp4",
                                         10, {})

    await asyncio.to_thread(as_owner, settings, create)
    forged = {**valid_event("audio_chunk_ready", video_id, tenant_id="another-tenant"), "schema_version": 3}
    genuine = {**valid_event("audio_chunk_ready", video_id, tenant_id=pipeline.tenant_id), "schema_version": 2}
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:  # one key, one partition: the forged message is read first
        await producer.send_and_wait("audio_chunks", json.dumps(forged).encode(), key=video_id.encode())
        await producer.send_and_wait("audio_chunks", json.dumps(genuine).encode(), key=video_id.encode())
    finally:
        await producer.stop()

    video = await asyncio.to_thread(pipeline.client.wait, video_id, 120)
    assert video["status"] == "failed"
    assert video["error"]["code"] == "unsupported_schema_version"
    assert video["error"]["message"] == ("its message on audio_chunks was unusable: audio_chunk_ready: "
                                         "unsupported schema_version 2 (supported: 1)")
    transcribe = next(s for s in video["stages"] if s["stage"] == "transcribe")
    assert transcribe["status"] == "failed" and transcribe["error"]["code"] == "unsupported_schema_version"
