"""A Kafka producer for processes outside the Faust worker (the API): acks from all in-sync
replicas, idempotent, keyed by video id. Failures become ``QueueUnavailable`` (retriable), which
the API maps to 503. Each message carries the sender's trace context in its headers."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from streams.errors import QueueUnavailable
from streams.ops.tracing import kafka_headers


class Producer:
    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            enable_idempotence=True,
            request_timeout_ms=15000,
        )
        try:
            await producer.start()
        except KafkaError as exc:
            await producer.stop()
            raise QueueUnavailable(f"Kafka at {self.bootstrap} is unreachable: {exc}") from exc
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send(self, topic: str, key: str, value: bytes) -> None:
        if self._producer is None:
            await self.start()
        producer = self._producer
        assert producer is not None, "start() sets it or raises"
        try:
            await producer.send_and_wait(topic, value=value, key=key.encode(), headers=kafka_headers())
        except KafkaError as exc:
            raise QueueUnavailable(f"could not write to Kafka topic {topic}: {exc}") from exc


class TopicWriter:
    """One topic of a producer: ``await writer.send(key, value)``."""

    def __init__(self, producer: Producer, topic: str) -> None:
        self.producer, self.topic = producer, topic

    async def send(self, key: str, value: bytes) -> None:
        await self.producer.send(self.topic, key, value)
