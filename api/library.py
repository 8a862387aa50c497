"""Across a tenant's library: transcript search (``/v1/search``) through the search index
(``streams.search``: Meilisearch, or the embedded SQLite FTS5 index), fed by the search sink."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import require
from api.errors import ApiError
from api.pagination import bounded_int
from streams.asr.languages import parse_language
from streams.errors import UnknownLanguage

MAX_QUERY = 200


async def search(request: Request) -> JSONResponse:
    """The tenant's transcript sentences matching ``q``, best first: ``start``/``end`` are the
    matching word's, ``segment_start``/``segment_end`` the sentence's. ``video_id`` narrows the
    search to one video, ``language`` (an ISO code) to sentences spoken in that language."""
    tenant_id = require(request, "read").tenant_id
    q = request.query_params.get("q", "").strip()
    if not q or len(q) > MAX_QUERY:
        raise ApiError(422, "invalid_query", f"q is required, 1 to {MAX_QUERY} characters")
    limit = bounded_int(request.query_params.get("limit", "20"), 1, 100)
    if limit is None:
        raise ApiError(422, "invalid_query", "limit must be an integer from 1 to 100")
    video_id = request.query_params.get("video_id") or None
    language = request.query_params.get("language") or None
    if language is not None:
        try:
            language = parse_language(language)
        except UnknownLanguage as exc:
            raise ApiError(422, "invalid_query", str(exc)) from exc
    hits = await asyncio.to_thread(request.app.state.search.search, tenant_id, q, limit, video_id, language)
    return JSONResponse({"query": q, "hits": [h.as_json() for h in hits]})


routes = [
    Route("/v1/search", search, methods=["GET"]),
]
