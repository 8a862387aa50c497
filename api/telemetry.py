"""What the API tells its operator about each request: a server span (continuing the caller's W3C
``traceparent`` when it sends one, and naming the trace in the answer's ``traceparent`` header),
one JSON access-log line with the ids of the request's tenant and video, and the request counter
and latency histogram of ``/metrics``, labelled by route template (never by raw path)."""

from __future__ import annotations

import logging
import time

from opentelemetry.trace import SpanKind, StatusCode
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.openapi.blocks import text_response
from api.routing import operation
from streams.ops import logs, metrics, tracing

log = logging.getLogger("clipstream.api")


def route_of(scope: Scope) -> str:
    """The matched route's template (``/v1/videos/{video_id}``), or ``unmatched``."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class TelemetryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        headers = [(k.decode("latin-1"), v) for k, v in scope["headers"]]
        status = 500
        started = time.perf_counter()
        with (
            tracing.tracer.start_as_current_span(
                f"{method} {path}", context=tracing.context_of(headers), kind=SpanKind.SERVER
            ) as span,
            logs.bound(fresh=True),
        ):
            answer = [(k.encode(), v.encode()) for k, v in tracing.carrier().items()]

            async def send_with_trace(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message = {**message, "headers": [*message.get("headers", []), *answer]}
                await send(message)

            try:
                await self.app(scope, receive, send_with_trace)
            finally:
                route = route_of(scope)
                seconds = time.perf_counter() - started
                span.update_name(f"{method} {route}")
                span.set_attributes(
                    {"http.request.method": method, "http.route": route, "http.response.status_code": status}
                )
                if status >= 500:
                    span.set_status(StatusCode.ERROR)
                metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
                metrics.HTTP_SECONDS.labels(method, route).observe(seconds)
                if route != "/metrics":
                    log.info(
                        "%s %s %d",
                        method,
                        path,
                        status,
                        extra={
                            "http_method": method,
                            "http_route": route,
                            "http_status": status,
                            "duration_ms": round(seconds * 1000, 1),
                        },
                    )


@operation(
    "getMetrics",
    "Prometheus metrics of this API process (text format)",
    {"200": text_response("Request counts and latencies by route template, and the process's own.")},
    tag="meta",
)
async def prometheus_metrics(request: Request) -> Response:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
