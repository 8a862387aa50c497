"""A tenant's usage analytics (``/v1/analytics``), read from ClickHouse: videos, minutes, clips,
stage latencies, time to the first clip, ASR speed and failures by reason.

With a ClickHouse server the API queries it; with the embedded engine (one process per data
directory) it asks the worker that owns it (``streams.adapters.analytics``). Either way the
report is made by the same code and filtered by the caller's tenant id alone. The store is fed
by the worker's sink a second or so behind the pipeline.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import caller
from api.errors import ApiError
from api.openapi.blocks import error, json_response, query_param
from api.pagination import bounded_int
from api.routing import operation
from streams.adapters.analytics import open_reader
from streams.errors import AnalyticsUnavailable


@operation(
    "analytics",
    "Usage: videos, minutes, clips, stage latencies",
    {"200": json_response("Analytics", "Totals and a per-day series."), "503": error("Unavailable")},
    scope="read",
    tag="library",
    parameters=[query_param("days", {"type": "integer", "minimum": 1, "maximum": 366, "default": 30})],
)
async def analytics(request: Request) -> JSONResponse:
    tenant_id = caller(request).tenant_id
    days = bounded_int(request.query_params.get("days", "30"), 1, 366)
    if days is None:
        raise ApiError(422, "invalid_query", "days must be an integer from 1 to 366")
    try:
        report = await _reader(request).usage(tenant_id, days)
    except AnalyticsUnavailable as exc:
        raise ApiError(503, exc.code, f"analytics are unavailable right now: {exc.message}") from None
    return JSONResponse(report)


def _reader(request: Request):
    """One reader per app, made on first use."""
    state = request.app.state
    reader = getattr(state, "analytics", None)
    if reader is None:
        reader = state.analytics = open_reader(state.settings)
    return reader


routes = [
    Route("/v1/analytics", analytics, methods=["GET"]),
]
