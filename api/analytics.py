"""A tenant's usage analytics (``/v1/analytics``): videos, minutes, clips, stage latencies."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.errors import ApiError
from api.pagination import bounded_int
from api.videos import catalog
from streams.adapters.catalog import STAGES


async def analytics(request: Request) -> JSONResponse:
    tenant_catalog = catalog(request, "read")
    days = bounded_int(request.query_params.get("days", "30"), 1, 366)
    if days is None:
        raise ApiError(422, "invalid_query", "days must be an integer from 1 to 366")
    usage = await tenant_catalog.usage(days)
    totals = usage["totals"]
    by_stage = {s["stage"]: s for s in usage["stages"]}
    return JSONResponse({
        "videos": totals["videos"], "completed": totals["completed"], "failed": totals["failed"],
        "usage_minutes": round(float(totals["minutes"]), 2), "clips": usage["clips"],
        "stages": {
            stage: {"count": by_stage[stage]["count"] if stage in by_stage else 0,
                    "p50_seconds": _round(by_stage.get(stage, {}).get("p50")),
                    "p95_seconds": _round(by_stage.get(stage, {}).get("p95"))}
            for stage in STAGES
        },
        "daily": [{"day": d["day"].isoformat(), "videos": d["videos"], "minutes": round(float(d["minutes"]), 2),
                   "clips": d["clips"]} for d in usage["daily"]],
    })


def _round(value) -> float | None:
    return None if value is None else round(float(value), 3)


routes = [
    Route("/v1/analytics", analytics, methods=["GET"]),
]
