"""A Faust app for the rebalance test: two agents read one topic, as each clipstream stage and the
analytics sink do. ``stage`` handles one message at a time, ``sink`` takes batches; each marks what
it took (``<SHARED_DIR>/stage-took-<value>``, ``sink-took-<value>``), holds it until the test opens
its gate (the file ``stage-go`` or ``sink-go``), and then writes ``stage:<value>`` or
``sink:<value>`` to ``SHARED_OUT``. ``SHARED_PLAIN_FAUST=1`` runs the same agents on plain
``faust.App``, to show the stall the test guards against.
Run as ``python shared_topic_app.py worker --web-port N``."""

import asyncio
import os
from pathlib import Path

import faust

from streams.worker.consumer import App

SHARED_DIR = Path(os.environ["SHARED_DIR"])

factory = faust.App if os.environ.get("SHARED_PLAIN_FAUST") == "1" else App
app = factory(
    os.environ["SHARED_APP_ID"],
    broker=f"kafka://{os.environ['SHARED_BOOTSTRAP']}",
    store="memory://",
    web_bind="127.0.0.1",
    topic_partitions=1,
    topic_replication_factor=1,
    datadir=str(SHARED_DIR / f"faust-{os.getpid()}"),
    broker_session_timeout=10.0,
    broker_heartbeat_interval=2.0,
)
source = app.topic(os.environ["SHARED_IN"], value_type=bytes, value_serializer="raw", key_serializer="raw")
out = app.topic(os.environ["SHARED_OUT"], value_type=bytes, value_serializer="raw", key_serializer="raw")


async def gate(name: str) -> None:
    while not (SHARED_DIR / name).exists():
        await asyncio.sleep(0.1)


@app.agent(source)
async def stage(stream):
    async for event in stream.events():
        value = event.value
        del event
        (SHARED_DIR / f"stage-took-{value.decode()}").touch()
        await gate("stage-go")
        await out.send(key=b"stage", value=b"stage:" + value)


@app.agent(source)
async def sink(stream):
    async for batch in stream.take_events(10, within=0.5):
        values = [event.value for event in batch]
        del batch
        for value in values:
            (SHARED_DIR / f"sink-took-{value.decode()}").touch()
        await gate("sink-go")
        for value in values:
            await out.send(key=b"sink", value=b"sink:" + value)


if __name__ == "__main__":
    app.main()
