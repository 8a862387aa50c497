"""A minimal Faust app for the integration test: one agent relays `RELAY_IN` to `RELAY_OUT`,
upper-casing each value. Run as ``python relay_app.py worker --web-port N``."""

import os

import faust

app = faust.App(
    os.environ["RELAY_APP_ID"],
    broker=f"kafka://{os.environ['RELAY_BOOTSTRAP']}",
    store="memory://",
    web_bind="127.0.0.1",
    topic_partitions=1,
    topic_replication_factor=1,
    datadir=os.environ["RELAY_DATADIR"],
)
source = app.topic(os.environ["RELAY_IN"], value_type=bytes, value_serializer="raw", key_serializer="raw")
sink = app.topic(os.environ["RELAY_OUT"], value_type=bytes, value_serializer="raw", key_serializer="raw")


@app.agent(source)
async def relay(stream):
    async for event in stream.events():
        await sink.send(key=event.key, value=event.value.upper())


if __name__ == "__main__":
    app.main()
