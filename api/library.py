"""Across a tenant's library: transcript search (``/v1/search``) and usage analytics
(``/v1/analytics``)."""

from __future__ import annotations

import html
import re

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.errors import ApiError
from api.pagination import bounded_int
from api.videos import catalog
from streams.adapters.catalog import STAGES

MAX_QUERY = 200


def snippet(highlight: str) -> str:
    """HTML-escaped text with the matches (marked \\x01...\\x02) in ``<mark>``."""
    return html.escape(highlight).replace("\x01", "<mark>").replace("\x02", "</mark>")


def _terms(highlight: str) -> list[str]:
    return [t.lower() for t in re.findall("\x01(.*?)\x02", highlight)]


def first_match(words: list[dict], start: float, end: float, terms: list[str]) -> dict | None:
    """The first word of the segment [start, end] that is one of the highlighted ``terms``."""
    for w in words:
        if start - 0.05 <= w["start"] <= end + 0.05:
            token = re.sub(r"[^\w']", "", w["word"].lower())
            if token and any(token == t.lower() or token.startswith(t.lower()) for t in terms):
                return w
    return None


async def search(request: Request) -> JSONResponse:
    tenant_catalog = catalog(request, "read")
    q = request.query_params.get("q", "").strip()
    if not q or len(q) > MAX_QUERY:
        raise ApiError(422, "invalid_query", f"q is required, 1 to {MAX_QUERY} characters")
    limit = bounded_int(request.query_params.get("limit", "20"), 1, 100)
    if limit is None:
        raise ApiError(422, "invalid_query", "limit must be an integer from 1 to 100")
    rows = await tenant_catalog.search_segments(q, limit)
    hits = []
    for r in rows:
        word = first_match(r["words"], r["start_s"], r["end_s"], _terms(r["highlight"]))
        hits.append({
            "video_id": r["video_id"], "filename": r["filename"],
            "start": word["start"] if word else r["start_s"], "end": word["end"] if word else r["end_s"],
            "segment_start": r["start_s"], "segment_end": r["end_s"],
            "text": r["text"].strip(), "snippet": snippet(r["highlight"].strip()),
        })
    return JSONResponse({"query": q, "hits": hits})


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
    Route("/v1/search", search, methods=["GET"]),
    Route("/v1/analytics", analytics, methods=["GET"]),
]
