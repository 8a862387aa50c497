"""The Faust application. It declares the app and never imports agents: the agent groups named by
``CLIPSTREAM_AGENTS`` (all of them by default) are discovered from ``streams.agents`` when the
worker starts, so one image runs as any group of agents and each group scales on its own.

Every topic is a ``TracedTopic`` (messages carry the trace context); logs are JSON lines with the
ids of the work in hand (``streams.ops.logs``); ``/healthz`` and ``/metrics`` are served on the web
port. The app is ``streams.worker.consumer.App``: Faust's, on a consumer that commits only what its agents
processed and that a rebalance cannot stall; its worker (``streams.worker.process.Worker``) stops
gracefully on SIGTERM and SIGINT."""

from __future__ import annotations

from typing import cast

from streams.ops import logs, metrics
from streams.services.agent_groups import agent_modules, app_id
from streams.settings import Settings
from streams.worker.consumer import App, Consumer, TracedTopic

settings = Settings.from_env()

app = App(
    app_id(settings.agents),
    broker=f"kafka://{settings.kafka_bootstrap}",
    store="memory://",
    # Faust scans the origin too (and, when there is none, the package it guesses from argv): the
    # origin is this module, so the scan imports these agent modules and nothing else. Naming the
    # package ``streams`` imported every agent module, and every worker ran every agent.
    autodiscover=agent_modules(settings.agents),
    origin="streams.worker.app",
    topic_partitions=settings.kafka_partitions,
    topic_replication_factor=settings.kafka_replication,
    Topic=TracedTopic,
    logging_config=logs.dict_config(settings.log_format, "worker"),
    web_bind=settings.worker_host,
    web_port=settings.worker_port,
    web_in_thread=False,
    datadir=str(settings.data_dir / "worker"),
    producer_acks=-1,
    # A worker killed with SIGKILL leaves its group membership behind until this times out; a
    # short timeout lets a restarted worker take over its partitions in seconds, not a minute.
    broker_session_timeout=10.0,
    broker_heartbeat_interval=2.0,
    # SIGTERM and SIGINT stop the worker gracefully: the work in hand gets a grace period.
    Worker="streams.worker.process:Worker",
)


def _offsets():
    """(topic, partition, log end offset, committed offset) of each partition this worker owns."""
    # never create one to answer; App makes only streams.worker.consumer's, which keeps committed offsets
    consumer = cast("Consumer | None", app._consumer)
    if consumer is None:
        return []
    try:
        assigned = sorted(consumer.assignment())
    except Exception:  # not started yet, or stopping
        return []
    out = []
    for tp in assigned:
        try:
            end = consumer.highwater(tp)
        except Exception:  # not fetched yet, or mid-rebalance: no number is better than a wrong one
            continue
        out.append((tp.topic, tp.partition, end, consumer._committed_offset.get(tp)))
    return out


metrics.REGISTRY.register(metrics.LagCollector(_offsets))


@app.page("/healthz")
async def healthz(web, request):
    return web.json({"ok": True})


@app.page("/metrics")
async def prometheus_metrics(web, request):
    body, content_type = metrics.exposition()
    # aiohttp refuses a charset inside ``content_type``; as a header it is passed through as is.
    return web.bytes(body, headers={"Content-Type": content_type})
