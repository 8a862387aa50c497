"""Reading what the pipeline wrote to Kafka, for assertions: every message of one video on a
topic, with its broker timestamp and headers, from the beginning up to the current end."""

from __future__ import annotations

import asyncio
import json

from aiokafka import AIOKafkaConsumer


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
