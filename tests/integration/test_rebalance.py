"""A rebalance while two agents share a topic neither stalls the worker nor loses a message.

Real Faust workers (``shared_topic_app.py``) on the real broker. The first worker's ``stage``
agent is in the middle of message 1 with messages 2 and 3 in its inbox; its ``sink`` agent is
writing a batch of message 1 and has already taken message 2. A second worker joins: the revoke
empties the inboxes, dropping ``stage``'s copy of message 2 while ``sink`` holds its own. On plain
Faust that message's count of references never reaches zero and the revoke waits for ever
(``SHARED_PLAIN_FAUST=1`` shows it); ``streams.worker.consumer`` waits only for what an agent holds, does
not commit message 2, and the group's owner of the partition reads it again, so both agents see
every message.
"""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.stack.process import free_port, terminate

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
VALUES = ("m1", "m2", "m3")


def _start(env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")
    try:
        return subprocess.Popen(
            [sys.executable, str(HERE / "shared_topic_app.py"), "worker", "--loglevel", "info",
             "--web-port", str(free_port())],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    finally:
        log.close()


def _not_within(what: str, seconds: float, logs: list[Path]) -> None:
    """Fail the test saying what did not happen in time, with the end of each worker's log."""
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}" for p in logs if p.exists())
    pytest.fail(f"{what} not within {seconds:.0f} s\n{tails}")


async def _until(check, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            _not_within(what, seconds, logs)
        await asyncio.sleep(0.2)


async def _until_committed(bootstrap: str, group: str, topic: str, offset: int, logs: list[Path]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            offsets = await admin.list_consumer_group_offsets(group)
            committed = next((meta.offset for tp, meta in offsets.items() if tp.topic == topic), None)
            if committed == offset:
                return
            await asyncio.sleep(0.5)
        _not_within(f"the group's committed offset of {topic} reaching {offset} (it is {committed})", 30, logs)
    finally:
        await admin.close()


def _lines(path: Path, text: str, unless: str = "\0") -> int:
    """How many lines of the log at ``path`` contain ``text`` (and not ``unless``)."""
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text(errors="replace").splitlines() if text in line and unless not in line)


async def test_a_rebalance_while_two_agents_share_a_topic_neither_stalls_nor_loses(stack, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    topic_in, topic_out = f"shared-in-{suffix}", f"shared-out-{suffix}"
    env = {**os.environ, "SHARED_APP_ID": f"shared-{suffix}", "SHARED_BOOTSTRAP": stack.kafka_bootstrap,
           "SHARED_IN": topic_in, "SHARED_OUT": topic_out, "SHARED_DIR": str(tmp_path)}
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    logs = [first_log, second_log]
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, 1, 1) for t in (topic_in, topic_out)])
    finally:
        await admin.close()
    first = _start(env, first_log)
    second = None
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    try:
        await _until(lambda: _lines(first_log, f"| {topic_in} ") >= 1, 60, "the first worker's assignment", logs)
        await producer.send_and_wait(topic_in, b"m1", key=b"k")
        await _until(lambda: (tmp_path / "stage-took-m1").exists() and (tmp_path / "sink-took-m1").exists(),
                     30, "both agents taking m1", logs)
        await producer.send_and_wait(topic_in, b"m2", key=b"k")
        await producer.send_and_wait(topic_in, b"m3", key=b"k")
        await asyncio.sleep(2)  # m2 and m3 reach the inboxes; sink's passive reader takes m2

        second = _start(env, second_log)
        await _until(lambda: _lines(first_log, "Revoking previously assigned partitions", unless="set()") >= 1,
                     60, "the revoke on the first worker", logs)
        (tmp_path / "stage-go").touch()
        (tmp_path / "sink-go").touch()

        # The first worker finishes its revoke and rejoins: it is handed an assignment again.
        await _until(lambda: _lines(first_log, "Setting newly assigned partitions") >= 2,
                     45, "the first worker's revoke to end (plain Faust waits for ever here)", logs)

        consumer = AIOKafkaConsumer(topic_out, bootstrap_servers=stack.kafka_bootstrap,
                                    auto_offset_reset="earliest", group_id=f"check-{suffix}")
        await consumer.start()
        seen: set[bytes] = set()
        wanted = {f"{agent}:{v}".encode() for agent in ("stage", "sink") for v in VALUES}
        try:
            deadline = time.monotonic() + 60
            while not wanted <= seen and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=1000)
                seen |= {r.value for rs in batch.values() for r in rs}
        finally:
            await consumer.stop()
        assert wanted <= seen, f"missing {sorted(wanted - seen)}"
        assert first.poll() is None and second.poll() is None
        # and the group still commits: its offset reaches the end once every message is done
        await _until_committed(stack.kafka_bootstrap, f"shared-{suffix}", topic_in, len(VALUES), logs)
    finally:
        await producer.stop()
        for worker in (first, second):
            if worker is not None:
                terminate(worker.pid, timeout=20)
