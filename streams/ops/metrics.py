"""Prometheus metrics, served as text at ``/metrics`` by the API and by every worker.

Names follow Prometheus conventions (``_seconds``, ``_total``); labels are bounded sets (stage,
outcome, error code, model, route template, topic/partition), never ids. What each answers:

- ``clipstream_stage_seconds{stage,outcome}``: how long a stage took per message, by outcome
  (``ok``, ``failed``, ``retried``): latency per stage, and with ``_count`` the throughput.
- ``clipstream_consumer_lag{topic,partition}``: messages not yet processed on each partition this
  worker owns (log end offset minus the group's committed offset).
- ``clipstream_triton_request_seconds{model}`` / ``clipstream_triton_errors_total{model,code}``:
  every inference call.
- ``clipstream_render_frames_per_second`` / ``clipstream_render_frames_total``: encode speed.
- ``clipstream_dead_letters_total{stage,code}``: messages given up on.
- ``clipstream_webhook_deliveries_total{outcome}``: delivery attempts by outcome.
- ``clipstream_http_requests_total{method,route,status}`` / ``clipstream_http_request_seconds``:
  the API's traffic, by route template.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600)

STAGE_SECONDS = Histogram(
    "clipstream_stage_seconds",
    "Time a stage spent on one message, by outcome.",
    ["stage", "outcome"],
    buckets=STAGE_BUCKETS,
)
DEAD_LETTERS = Counter(
    "clipstream_dead_letters_total", "Messages sent to a stage's dead-letter topic.", ["stage", "code"]
)
TRITON_SECONDS = Histogram(
    "clipstream_triton_request_seconds",
    "Triton inference calls, by model.",
    ["model"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
TRITON_ERRORS = Counter("clipstream_triton_errors_total", "Triton inference calls that failed.", ["model", "code"])
RENDER_FPS = Histogram(
    "clipstream_render_frames_per_second",
    "Frames encoded per second of each clip render.",
    buckets=(1, 2.5, 5, 10, 25, 50, 100, 200, 400, 800),
)
RENDER_FRAMES = Counter("clipstream_render_frames_total", "Frames encoded into clips.")
WEBHOOK_DELIVERIES = Counter(
    "clipstream_webhook_deliveries_total", "Webhook delivery attempts, by outcome.", ["outcome"]
)
HTTP_REQUESTS = Counter("clipstream_http_requests_total", "API requests.", ["method", "route", "status"])
HTTP_SECONDS = Histogram(
    "clipstream_http_request_seconds",
    "API request latency.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def observe_render(frames: int, seconds: float) -> None:
    if frames > 0 and seconds > 0:
        RENDER_FRAMES.inc(frames)
        RENDER_FPS.observe(frames / seconds)


class LagCollector(Collector):
    """``clipstream_consumer_lag`` at scrape time, from ``offsets()``: (topic, partition, log end
    offset, committed offset) for each partition this process consumes."""

    def __init__(self, offsets: Callable[[], Iterable[tuple[str, int, int | None, int | None]]]) -> None:
        self.offsets = offsets

    def collect(self):
        family = GaugeMetricFamily(
            "clipstream_consumer_lag",
            "Messages on a partition not yet processed by the consumer group.",
            labels=["topic", "partition"],
        )
        for topic, partition, end, committed in self.offsets():
            if end is not None:
                family.add_metric([topic, str(partition)], float(max(0, end - (committed or 0))))
        yield family


def exposition() -> tuple[bytes, str]:
    """The registry as Prometheus text, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class Stopwatch:
    """Seconds since it was made (monotonic clock, to the millisecond): how long a stage's message
    or a model call took, for its metric and log line."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def seconds(self) -> float:
        return round(time.monotonic() - self.started, 3)
