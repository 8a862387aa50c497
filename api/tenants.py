"""Tenants and keys: operator routes (``/v1/admin/tenants``, the admin token) and a tenant's own
key management (``/v1/keys``, an ``admin``-scope key)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import signing
from api.audit import audited
from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.openapi.blocks import NOT_FOUND, error, json_body, json_response, link
from api.routing import operation, post
from streams import tenancy
from streams.errors import TenantNotFound

NEW_KEY = json_body("CreateKey", "The key's scope and an optional name.")
ISSUED_KEY = "The key; `key` is shown only this once."


@operation(
    "createTenant",
    "Make a tenant and its first admin key",
    {
        "201": json_response(
            "TenantCreated",
            "The tenant and its first admin key.",
            links={"key": link("createTenantKey", tenant_id="$response.body#/tenant_id")},
        )
    },
    tag="admin",
    operator=True,
    body=json_body("CreateTenant", "The tenant's name."),
)
async def create_tenant(request: Request) -> JSONResponse:
    body = await json_object(request)
    name = field(body, "name", str, required=True).strip()
    if not 1 <= len(name) <= 200:
        raise ApiError(422, "invalid_body", "'name' is 1 to 200 characters")
    tenant, key = await tenancy.create_tenant(request.app.state.db, name)
    return JSONResponse({**tenant.as_json(), "api_key": key.as_json()}, status_code=201)


@operation(
    "createTenantKey",
    "Make an API key for any tenant",
    {"201": json_response("IssuedKey", ISSUED_KEY)},
    tag="admin",
    operator=True,
    body=NEW_KEY,
)
async def create_tenant_key(request: Request) -> JSONResponse:
    return await _create_key(request, request.path_params["tenant_id"])


@post(
    "createKey",
    "Make an API key for the caller's tenant",
    {
        "201": json_response(
            "IssuedKey", ISSUED_KEY, links={"revoke": link("revokeKey", key_id="$response.body#/key_id")}
        )
    },
    scope="admin",
    tag="keys",
    body=NEW_KEY,
)
async def create_key(request: Request) -> JSONResponse:
    principal = caller(request)
    owner = principal.session.user_id if principal.session is not None else None
    maker = f"user:{owner}" if owner else f"key:{principal.key_id}"
    answer = await _create_key(request, principal.tenant_id, owner, maker)
    await audited(request, "key.created", json.loads(bytes(answer.body))["key_id"], owner=owner)
    return answer


async def _create_key(
    request: Request, tenant_id: str, user_id: str | None = None, created_by: str = "operator"
) -> JSONResponse:
    body = await json_object(request)
    scope = field(body, "scope", str, required=True)
    name = field(body, "name", str, default="")
    if scope not in tenancy.SCOPES:
        raise ApiError(422, "invalid_scope", f"'scope' must be one of {', '.join(tenancy.SCOPES)}")
    if len(name) > 200:
        raise ApiError(422, "invalid_body", "'name' is at most 200 characters")
    try:
        key = await tenancy.create_key(
            request.app.state.db, tenant_id, scope, name, user_id=user_id, created_by=created_by
        )
    except TenantNotFound:
        raise ApiError(404, "tenant_not_found", f"no tenant with id {tenant_id!r}") from None
    return JSONResponse(key.as_json(), status_code=201)


@operation(
    "listKeys",
    "The tenant's keys (never their secrets)",
    {"200": json_response("KeyList", "Every key, revoked ones too.")},
    scope="admin",
    tag="keys",
)
async def list_keys(request: Request) -> JSONResponse:
    principal = caller(request)
    keys = await tenancy.list_keys(request.app.state.db, principal.tenant_id)
    return JSONResponse({"keys": [k.as_json() for k in keys]})


@operation(
    "revokeKey",
    "Revoke a key (idempotent)",
    {"200": json_response("ApiKey", "The key, now revoked."), **NOT_FOUND, "413": error("PayloadTooLarge")},
    scope="admin",
    tag="keys",
    path_params={"key_id": "The key's public id (the 12 hex digits after `csk_`)."},
)
async def revoke_key(request: Request) -> Response:
    principal = caller(request)
    revoked = await tenancy.revoke_key(request.app.state.db, principal.tenant_id, request.path_params["key_id"])
    if revoked is None:
        raise ApiError(404, "key_not_found", f"no key with id {request.path_params['key_id']!r}")
    await audited(request, "key.revoked", revoked.key_id)
    return JSONResponse(revoked.as_json())


@operation(
    "me", "The caller: tenant, key, scope", {"200": json_response("Me", "Who is calling.")}, scope="read", tag="keys"
)
async def me(request: Request) -> JSONResponse:
    """The caller: tenant, key and scope, with a signed link to the tenant's progress stream."""
    principal = caller(request)
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
