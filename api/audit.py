"""The audit log from the API: ``audited`` appends what the caller just did (in the caller's
tenant, under row-level security), and ``GET /v1/audit`` lets a workspace's admins read it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import caller
from api.errors import ApiError
from api.openapi.blocks import json_response, query_param
from api.pagination import bounded_int
from api.routing import operation
from streams.adapters.db import tenant_connection
from streams.people import audit


async def audited(request: Request, action: str, target: str = "", **detail: Any) -> None:
    """Record that the caller did ``action`` (to ``target``) in their workspace."""
    principal = caller(request)
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        await audit.record(conn, principal.tenant_id, audit.actor_of(principal), action, target, **detail)


@operation(
    "listAuditEvents",
    "Who did what in the workspace, newest first",
    {"200": json_response("AuditLog", "The events.")},
    scope="admin",
    tag="people",
    parameters=[
        query_param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
        query_param("before", {"type": "integer", "minimum": 1}, "Only events older than this event id."),
    ],
)
async def list_audit(request: Request) -> JSONResponse:
    principal = caller(request)
    limit = bounded_int(request.query_params.get("limit", "100"), 1, 500)
    before_text = request.query_params.get("before")
    before = bounded_int(before_text, 1, 999_999_999) if before_text is not None else None
    if limit is None or (before_text is not None and before is None):
        raise ApiError(422, "invalid_query", "limit is 1 to 500 and before an event id")
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        found = await audit.events(conn, principal.tenant_id, limit, before)
    return JSONResponse({"events": found})


routes = [Route("/v1/audit", list_audit, methods=["GET"])]
