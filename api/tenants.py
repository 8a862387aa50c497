"""Tenants and keys: operator routes (``/v1/admin/tenants``, the admin token) and a tenant's own
key management (``/v1/keys``, an ``admin``-scope key)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import signing
from api.auth import require
from api.bodies import field, json_object
from api.errors import ApiError
from streams import tenancy
from streams.errors import TenantNotFound


async def create_tenant(request: Request) -> JSONResponse:
    body = await json_object(request)
    name = field(body, "name", str, required=True).strip()
    if not 1 <= len(name) <= 200:
        raise ApiError(422, "invalid_body", "'name' is 1 to 200 characters")
    tenant, key = await tenancy.create_tenant(request.app.state.db, name)
    return JSONResponse({**tenant, "api_key": key.as_json()}, status_code=201)


async def create_tenant_key(request: Request) -> JSONResponse:
    return await _create_key(request, request.path_params["tenant_id"])


async def create_key(request: Request) -> JSONResponse:
    return await _create_key(request, require(request, "admin").tenant_id)


async def _create_key(request: Request, tenant_id: str) -> JSONResponse:
    body = await json_object(request)
    scope = field(body, "scope", str, required=True)
    name = field(body, "name", str, default="")
    if scope not in tenancy.SCOPES:
        raise ApiError(422, "invalid_scope", f"'scope' must be one of {', '.join(tenancy.SCOPES)}")
    if len(name) > 200:
        raise ApiError(422, "invalid_body", "'name' is at most 200 characters")
    try:
        key = await tenancy.create_key(request.app.state.db, tenant_id, scope, name)
    except TenantNotFound:
        raise ApiError(404, "tenant_not_found", f"no tenant with id {tenant_id!r}") from None
    return JSONResponse(key.as_json(), status_code=201)


async def list_keys(request: Request) -> JSONResponse:
    principal = require(request, "admin")
    return JSONResponse({"keys": await tenancy.list_keys(request.app.state.db, principal.tenant_id)})


async def revoke_key(request: Request) -> Response:
    principal = require(request, "admin")
    revoked = await tenancy.revoke_key(request.app.state.db, principal.tenant_id, request.path_params["key_id"])
    if revoked is None:
        raise ApiError(404, "key_not_found", f"no key with id {request.path_params['key_id']!r}")
    return JSONResponse(revoked)


async def me(request: Request) -> JSONResponse:
    """The caller: tenant, key and scope, with a signed link to the tenant's progress stream."""
    principal = require(request, "read")
    events = signing.sign(request.app.state.signing_secret, principal, "/v1/events")
    return JSONResponse(
        {
            "tenant_id": principal.tenant_id,
            "key_id": principal.key_id,
            "scope": principal.scope,
            "urls": {"events": events},
        }
    )


routes = [
    Route("/v1/me", me, methods=["GET"]),
    Route("/v1/admin/tenants", create_tenant, methods=["POST"]),
    Route("/v1/admin/tenants/{tenant_id}/keys", create_tenant_key, methods=["POST"]),
    Route("/v1/keys", create_key, methods=["POST"]),
    Route("/v1/keys", list_keys, methods=["GET"]),
    Route("/v1/keys/{key_id}", revoke_key, methods=["DELETE"]),
]
