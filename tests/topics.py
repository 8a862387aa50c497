"""Reading what the pipeline wrote to Kafka, for assertions: every message of one video on a
topic, with its broker timestamp and headers, from the beginning up to the current end; and
waiting until the worker has handled every message now on the pipeline's topics."""

from __future__ import annotations

import asyncio
import json

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

WORKER_GROUP = "clipstream"  # the Faust app id: every agent of the worker, the sink included
TOPICS = ("uploads", "audio_chunks", "transcripts", "moments", "renders", "events", "render_requests",
          "ingest.dlq", "transcribe.dlq", "moments.dlq", "render.dlq")


async def read_topic(bootstrap: str, topic: str, key: str | None = None, raw: bool = False,
                     wait_seconds: float = 15.0) -> list[dict]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while not consumer.assignment():
            if asyncio.get_running_loop().time() > deadline:
                return []
            await asyncio.sleep(0.1)
        partitions = sorted(consumer.assignment())
        ends = await consumer.end_offsets(partitions)
        messages = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            if asyncio.get_running_loop().time() > deadline + 30:
                raise TimeoutError(f"reading {topic} did not reach its end offsets")
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for r in records:
                    if key is not None and (r.key or b"").decode(errors="replace") != key:
                        continue
                    messages.append({
                        "timestamp": r.timestamp, "partition": r.partition, "offset": r.offset, "key": r.key,
                        "headers": {k: v.decode() for k, v in (r.headers or ())},
                        "value": r.value if raw else json.loads(r.value),
                    })
        return sorted(messages, key=lambda m: (m["timestamp"], m["partition"], m["offset"]))
    finally:
        await consumer.stop()


async def partitions(bootstrap: str) -> list[TopicPartition]:
    """Every partition of the pipeline's ``TOPICS``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(TOPICS))
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]


async def worker_caught_up(bootstrap: str, timeout: float = 180.0) -> None:
    """Until the worker's group has committed every message now on the pipeline's topics: each
    agent has handled it (an agent sends what a message causes before its offset is committed, so
    those are on the topics by then, and waited for too), the analytics sink has written it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            parts = await partitions(bootstrap)
            ends = await consumer.end_offsets(parts)
            committed = await admin.list_consumer_group_offsets(WORKER_GROUP)
            behind = [tp for tp in parts if ends[tp] > (committed[tp].offset if tp in committed else 0)]
            if not behind:
                return
            assert asyncio.get_running_loop().time() < deadline, f"the worker is still behind on {behind}"
            await asyncio.sleep(1.0)
    finally:
        await consumer.stop()
        await admin.close()
