"""``GET /v1/usage`` (issue 54): the workspace's month against its plan, from the ledger
(``streams.usage``): source minutes of completed videos, clips rendered, posts published, what
videos in flight hold, what is left and when it resets, by day and by who submitted."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import caller
from api.openapi.blocks import json_response
from api.routing import operation
from streams.adapters.db import tenant_connection
from streams.usage import store


@operation(
    "getUsage",
    "This month's use against the workspace's plan",
    {"200": json_response("Usage", "Counted once each, from the ledger; a failed video counts nothing.")},
    scope="read",
    tag="usage",
)
async def get_usage(request: Request) -> JSONResponse:
    principal = caller(request)
    settings = request.app.state.settings
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        plan = await store.plan_of(conn, principal.tenant_id, settings)
        body = await store.report(conn, principal.tenant_id, plan, datetime.now(UTC))
    return JSONResponse(body)


routes = [Route("/v1/usage", get_usage, methods=["GET"])]
