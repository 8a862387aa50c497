"""The Faust application. It declares the app and never imports agents: they are discovered
from ``streams.agents`` when the worker starts."""

from __future__ import annotations

import faust

from streams.settings import Settings

settings = Settings.from_env()

app = faust.App(
    "clipstream",
    broker=f"kafka://{settings.kafka_bootstrap}",
    store="memory://",
    autodiscover=["streams.agents"],
    origin="streams",
    topic_partitions=settings.kafka_partitions,
    topic_replication_factor=1,
    web_bind="127.0.0.1",
    web_port=settings.worker_port,
    web_in_thread=False,
    datadir=str(settings.data_dir / "worker"),
    producer_acks=-1,
    # A worker killed with SIGKILL leaves its group membership behind until this times out; a
    # short timeout lets a restarted worker take over its partitions in seconds, not a minute.
    broker_session_timeout=10.0,
    broker_heartbeat_interval=2.0,
)


@app.page("/healthz")
async def healthz(web, request):
    return web.json({"ok": True})
