"""A message through the real Kafka broker with aiokafka."""

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

pytestmark = pytest.mark.integration


async def test_message_produced_is_consumed_on_a_fresh_topic(stack):
    topic = f"test-{uuid.uuid4().hex[:10]}"
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        meta = await producer.send_and_wait(topic, b'{"hello": "kafka"}', key=b"video-1")
    finally:
        await producer.stop()
    assert meta.topic == topic and meta.offset == 0

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=stack.kafka_bootstrap, auto_offset_reset="earliest",
        group_id=f"g-{uuid.uuid4().hex[:8]}", consumer_timeout_ms=1000,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=15000, max_records=10)
    finally:
        await consumer.stop()
    records = [r for rs in batch.values() for r in rs]
    assert [(r.key, r.value) for r in records] == [(b"video-1", b'{"hello": "kafka"}')]
