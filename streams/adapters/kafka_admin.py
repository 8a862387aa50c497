"""Creating the pipeline's topics before anything consumes them.

A consumer that subscribes to a topic that does not exist yet only notices it at its next
metadata refresh (five minutes by default), so the worker creates every topic up front.
"""

from __future__ import annotations

import asyncio
from typing import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from streams.errors import ConfigError


async def ensure_topics(
    bootstrap: str, names: Iterable[str], partitions: int, replication: int = 1, timeout: float = 60.0
) -> list[str]:
    """Create the topics that are missing; returns the names created."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            await admin.start()
            break
        except KafkaConnectionError:
            await admin.close()
            if asyncio.get_running_loop().time() > deadline:
                raise ConfigError(f"Kafka at {bootstrap} is unreachable; is the stack up?") from None
            await asyncio.sleep(1.0)
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            try:
                await admin.create_topics([NewTopic(n, partitions, replication) for n in missing])
            except TopicAlreadyExistsError:  # another worker won the race
                pass
        return missing
    finally:
        await admin.close()
