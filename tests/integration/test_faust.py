"""A real Faust worker process consumes one topic and produces to another on the real broker."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.stack.process import free_port, terminate

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent


async def test_faust_agent_relays_between_topics(stack, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    topic_in, topic_out = f"relay-in-{suffix}", f"relay-out-{suffix}"
    env = {
        **os.environ,
        "RELAY_APP_ID": f"relay-{suffix}",
        "RELAY_BOOTSTRAP": stack.kafka_bootstrap,
        "RELAY_IN": topic_in,
        "RELAY_OUT": topic_out,
        "RELAY_DATADIR": str(tmp_path / "faust"),
    }
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "relay_app.py"), "worker", "--loglevel", "info", "--web-port", str(free_port())],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
        await producer.start()
        try:
            for i in range(3):
                await producer.send_and_wait(topic_in, f"clip {i}".encode(), key=b"video-7")
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            topic_out, bootstrap_servers=stack.kafka_bootstrap, auto_offset_reset="earliest",
            group_id=f"check-{suffix}",
        )
        await consumer.start()
        got = []
        try:
            for _ in range(60):  # the worker needs a few seconds to join its group
                batch = await consumer.getmany(timeout_ms=1000)
                got += [(r.key, r.value) for rs in batch.values() for r in rs]
                if len(got) >= 3 or worker.poll() is not None:
                    break
        finally:
            await consumer.stop()
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        assert got == [(b"video-7", b"CLIP 0"), (b"video-7", b"CLIP 1"), (b"video-7", b"CLIP 2")]
    finally:
        terminate(worker.pid, timeout=20)
        log.close()
