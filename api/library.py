"""Across a tenant's library: transcript search (``/v1/search``) through the search index
(``streams.search``: Meilisearch, or the embedded SQLite FTS5 index), fed by the search sink;
and, with Meilisearch, tenant tokens (``/v1/search/token``) for front ends that query it directly."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import caller
from api.errors import ApiError
from api.openapi.blocks import STRING, error, json_response, link, query_param
from api.pagination import bounded_int
from api.routing import operation, post
from api.video_access import catalog
from streams.adapters.catalog import Catalog
from streams.asr.languages import parse_language
from streams.errors import UnknownLanguage
from streams.search.documents import Hit
from streams.speakers.video import label_for, named

MAX_QUERY = 200
MAX_ASKED = 1000  # the most hits a search asks the index for (Meilisearch answers at most 1000 by default)
TOKEN_LIFETIME = timedelta(hours=1)


@operation(
    "search",
    "Search the tenant's transcripts",
    {
        "200": json_response(
            "SearchResults",
            "Matching sentences, best first.",
            links={"video": link("getVideo", video_id="$response.body#/hits/0/video_id")},
        )
    },
    scope="read",
    tag="library",
    parameters=[
        query_param(
            "q",
            {"type": "string", "minLength": 1, "maxLength": MAX_QUERY},
            "Words; all must match (the last as a prefix), else any.",
            required=True,
        ),
        query_param("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
        query_param("video_id", STRING, "Only this video's sentences."),
        query_param(
            "speaker",
            STRING,
            "Only this speaker's sentences (needs `video_id`): a label (`S1`) or the name given to it.",
        ),
        query_param(
            "language",
            STRING,
            "Only sentences spoken in this language (an ISO 639-1 code such as `de`; `auto` or empty: every language).",
        ),
    ],
)
async def search(request: Request) -> JSONResponse:
    """The tenant's transcript sentences matching ``q``, best first: ``start``/``end`` are the
    matching word's, ``segment_start``/``segment_end`` the sentence's. ``video_id`` narrows the
    search to one video, ``language`` (an ISO code) to sentences spoken in that language,
    ``speaker`` (with ``video_id``; a label or a name given to one) to that speaker's. Each hit
    carries its ``speaker`` label and ``speaker_name`` (the name given, else ``Speaker N``)."""
    tenant_id = caller(request).tenant_id
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
    tenant_catalog = catalog(request)
    speaker = request.query_params.get("speaker") or None
    if speaker is not None:
        if video_id is None:
            raise ApiError(422, "invalid_query", "speaker needs video_id: speakers are a video's own")
        speaker = label_for(speaker, await tenant_catalog.speaker_names(video_id))
    search = request.app.state.search.search
    hits: list[Hit] = []  # narrowed to a video the tenant's catalog does not hold: none, the index not asked
    if video_id is None or await tenant_catalog.present_among([video_id]):
        hits = await _catalog_hits(
            tenant_catalog, lambda n: search(tenant_id, q, n, video_id, language, speaker), limit
        )
    names = {v: await tenant_catalog.speaker_names(v) for v in {h.video_id for h in hits if h.speaker}}
    return JSONResponse(
        {
            "query": q,
            "hits": [
                {**h.as_json(), "speaker_name": named(h.speaker, names.get(h.video_id, {}))}
                if h.speaker
                else h.as_json()
                for h in hits
            ],
        }
    )


async def _catalog_hits(tenant_catalog: Catalog, search: Callable[[int], list[Hit]], limit: int) -> list[Hit]:
    """The first ``limit`` hits ``search`` (asked for ``n`` hits) finds of videos the tenant's catalog
    holds. The index can lag the catalog (a deletion while the other backend served, or mid-search):
    the places a gone video's sentences took are asked for again, twice as many each time, until they
    are filled or the index has no more (or ``MAX_ASKED`` were asked for)."""
    asked = limit
    while True:
        found = await asyncio.to_thread(search, asked)
        hits = await _in_catalog(tenant_catalog, found)
        if len(hits) >= limit or len(found) < asked or asked >= MAX_ASKED:
            return hits[:limit]
        asked = min(2 * asked, MAX_ASKED)


async def _in_catalog(tenant_catalog: Catalog, hits: list[Hit]) -> list[Hit]:
    """``hits`` of videos the tenant's catalog holds, in their order."""
    present = await tenant_catalog.present_among(sorted({h.video_id for h in hits}))
    return [h for h in hits if h.video_id in present]


@post(
    "searchToken",
    "A Meilisearch tenant token for searching directly",
    {
        "200": json_response(
            "SearchToken",
            "Search `index` at `url` with `token` as the API key until `expires_at`: only this tenant's "
            "sentences, only search.",
        ),
        "409": error("Conflict"),
    },
    scope="read",
    tag="library",
)
async def search_token(request: Request) -> JSONResponse:
    """A Meilisearch tenant token for the caller's tenant, valid for ``TOKEN_LIFETIME``: its
    search rules pin the tenant, so a front end can search the ``index`` at ``url`` directly and
    find that tenant's sentences only; it can do nothing but search. 409 ``search_backend`` when
    this server searches its embedded index (use ``GET /v1/search``)."""
    tenant_id = caller(request).tenant_id
    index = request.app.state.search
    if index.backend != "meilisearch":
        raise ApiError(
            409,
            "search_backend",
            "tenant tokens are for Meilisearch, and this server searches its "
            "embedded index (CLIPSTREAM_MEILISEARCH_URL is not set): use GET /v1/search",
        )
    made = await asyncio.to_thread(index.tenant_token, tenant_id, TOKEN_LIFETIME)
    settings = request.app.state.settings
    return JSONResponse({**made, "url": settings.meilisearch_public_url or settings.meilisearch_url})


routes = [
    Route("/v1/search", search, methods=["GET"]),
    Route("/v1/search/token", search_token, methods=["POST"]),
]
