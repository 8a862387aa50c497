"""Traces: one W3C trace from the API request that submitted a video through every agent that
handles it.

The context travels in Kafka message headers (``traceparent``, ``tracestate``): the API's producer
and every topic of the worker (``streams.worker.consumer.TracedTopic``) add the current context to each
message they send, and ``handling(...)`` opens each agent's span as a child of the context its message carries. A
request that brings its own ``traceparent`` header keeps that trace id end to end.

Spans are exported over OTLP/HTTP when the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set; without it they are still made, so trace ids still
reach the logs (``streams.ops.logs``) and error reports.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator, Mapping, Sequence

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind

from streams import __version__
from streams.ops import logs

tracer = trace.get_tracer("clipstream")

Headers = Mapping[str, bytes] | Sequence[tuple[str, bytes]] | None


def init_tracing(component: str, environment: str) -> TracerProvider:
    """Install this process's tracer provider (once; later calls return the installed one)."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": os.environ.get("OTEL_SERVICE_NAME") or f"clipstream-{component}",
                "service.version": __version__,
                "deployment.environment": environment,
            }
        )
    )
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def carrier() -> dict[str, str]:
    """The current trace context as W3C headers (empty outside a span)."""
    out: dict[str, str] = {}
    propagate.inject(out)
    return out


def kafka_headers() -> list[tuple[str, bytes]]:
    return [(k, v.encode()) for k, v in carrier().items()]


def context_of(headers: Headers) -> Context:
    """The trace context carried by Kafka message headers; an empty context (a new trace) if none."""
    if not headers:
        return Context()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    text = {
        str(k).lower(): (v.decode("latin-1") if isinstance(v, bytes) else str(v)) for k, v in pairs if v is not None
    }
    return propagate.extract(text, context=Context())


@contextmanager
def handling(
    stage: str,
    *,
    tenant_id: str | None = None,
    video_id: str | None = None,
    event_id: str | None = None,
    headers: Headers = None,
) -> Iterator[trace.Span]:
    """One agent's handling of one message: a consumer span under the trace context its Kafka
    ``headers`` carry (a new trace without one), with the ids bound to logs."""
    attributes = {
        k: v
        for k, v in {
            "clipstream.stage": stage,
            "clipstream.tenant_id": tenant_id,
            "clipstream.video_id": video_id,
            "clipstream.event_id": event_id,
        }.items()
        if v
    }
    with tracer.start_as_current_span(
        stage, context=context_of(headers), kind=SpanKind.CONSUMER, attributes=attributes
    ) as span:
        with logs.bound(fresh=True, stage=stage, tenant_id=tenant_id, video_id=video_id, event_id=event_id):
            yield span
