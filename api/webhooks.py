"""``/v1/webhooks``: a tenant's webhook endpoints, their secrets and their delivery log.

Scopes: reading endpoints and deliveries needs ``read``; creating, changing, deleting an endpoint
and rotating its secret need ``admin`` (an endpoint receives the tenant's data, and its secret
signs it); replaying a delivery and sending a test event need ``write``. An endpoint or delivery
of another tenant is a 404, like one that does not exist.

A secret is shown in full only in the answers to create and rotate-secret. A rotated-out secret
keeps signing (beside the new one) for ``grace_seconds`` (default a day), so receivers can switch
without dropping a message.

Replay re-sends the same message, as Svix's resend does: the same ``webhook-id`` and body (a
receiver that already has it can drop it), a new attempt now, and a fresh retry schedule.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.audit import audited
from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.openapi.blocks import NOT_FOUND, PAGE, error, json_body, json_response, link, links_by
from api.pagination import decode_cursor, one_page, page_limit
from api.routing import operation, post
from streams.adapters.db import tenant_connection
from streams.domain.envelope import iso_z, utc_now
from streams.domain.webhooks import Delivery, Endpoint
from streams.errors import UnsafeUrl
from streams.net.guard import check_url_async
from streams.webhooks import events, signing, store

MAX_URL_CHARS, MAX_DESCRIPTION_CHARS = 2000, 500
DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS = 24 * 3600, 30 * 24 * 3600


def _endpoint_json(endpoint: Endpoint, *, secret: bool = False) -> dict:
    view = {
        "endpoint_id": endpoint.endpoint_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "status": endpoint.status,
        "disabled_reason": endpoint.disabled_reason,
        "secrets": [{"created_at": iso_z(s.created_at), "expires_at": iso_z(s.expires_at)} for s in endpoint.secrets],
        "created_at": iso_z(endpoint.created_at),
        "updated_at": iso_z(endpoint.updated_at),
    }
    if secret:
        view["secret"] = endpoint.current_secret
    return view


def _delivery_json(delivery: Delivery) -> dict:
    return {
        "delivery_id": delivery.delivery_id,
        "endpoint_id": delivery.endpoint_id,
        "event_type": delivery.event_type,
        "webhook_id": delivery.msg_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": iso_z(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": iso_z(delivery.created_at),
        "delivered_at": iso_z(delivery.delivered_at),
        "payload": delivery.payload,
        "attempt_log": [
            {
                "attempt": a.attempt,
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
                "at": iso_z(a.at),
            }
            for a in delivery.attempt_log
        ],
    }


async def _checked_url(request: Request, body: dict) -> str:
    url = field(body, "url", str, required=True).strip()
    if len(url) > MAX_URL_CHARS:
        raise ApiError(422, "invalid_body", f"'url' is at most {MAX_URL_CHARS} characters")
    allowed = request.app.state.settings.webhook_hosts
    try:
        await check_url_async(url, allowed)
    except UnsafeUrl as exc:
        raise ApiError(422, exc.code, exc.message) from None
    return url


def _description(body: dict) -> str | None:
    description = field(body, "description", str)
    if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
        raise ApiError(422, "invalid_body", f"'description' is at most {MAX_DESCRIPTION_CHARS} characters")
    return description


def _event_types(body: dict) -> list[str] | None:
    kinds = field(body, "event_types", list)
    if kinds is None:
        return None
    unknown = [k for k in kinds if k not in events.EVENT_TYPES]
    if unknown:
        raise ApiError(
            422,
            "invalid_event_types",
            f"unknown event types {unknown!r}; choose from {', '.join(events.EVENT_TYPES)} (none: all)",
        )
    return sorted(set(kinds), key=events.EVENT_TYPES.index)


def _not_found(endpoint_id: str) -> ApiError:
    return ApiError(404, "endpoint_not_found", f"no webhook endpoint with id {endpoint_id!r}")


BY_ENDPOINT = links_by(
    "endpoint_id",
    "$response.body#/endpoint_id",
    {
        "endpoint": "getWebhookEndpoint",
        "update": "updateWebhookEndpoint",
        "delete": "deleteWebhookEndpoint",
        "rotate": "rotateWebhookSecret",
        "deliveries": "listWebhookDeliveries",
        "test": "testWebhookEndpoint",
    },
)
BY_DELIVERY = links_by(
    "delivery_id",
    "$response.body#/delivery_id",
    {"delivery": "getWebhookDelivery", "replay": "replayWebhookDelivery"},
)
DISABLED = {"409": error("Conflict")}


def _delivery_not_found(delivery_id: str) -> ApiError:
    return ApiError(404, "delivery_not_found", f"no webhook delivery with id {delivery_id!r}")


@post(
    "createWebhookEndpoint",
    "Add a webhook endpoint",
    {
        "201": json_response(
            "WebhookEndpointWithSecret",
            "The endpoint; `secret` is shown in full only here and on rotation.",
            links=BY_ENDPOINT,
        )
    },
    scope="admin",
    tag="webhooks",
    body=json_body("CreateWebhookEndpoint", "Where and what to send."),
    description="The URL must be http(s) on a public address (`unsafe_url` otherwise).",
)
async def create_endpoint(request: Request) -> JSONResponse:
    principal = caller(request)
    body = await json_object(request)
    url = await _checked_url(request, body)
    description, kinds = _description(body) or "", _event_types(body) or []
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        row = await store.create_endpoint(conn, principal.tenant_id, url, description, kinds, signing.new_secret())
    await audited(request, "webhook_endpoint.created", row.endpoint_id, url=url)
    return JSONResponse(_endpoint_json(row, secret=True), status_code=201)


@operation(
    "listWebhookEndpoints",
    "The tenant's webhook endpoints",
    {"200": json_response("WebhookEndpointList", "One page.")},
    scope="read",
    tag="webhooks",
    parameters=PAGE,
)
async def list_endpoints(request: Request) -> JSONResponse:
    principal = caller(request)
    limit, after = page_limit(request), decode_cursor(request.query_params.get("cursor"))
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        rows = await store.endpoints(conn, principal.tenant_id, limit + 1, after)
    page, cursor, more = one_page(rows, limit, lambda e: (e.created_at, e.endpoint_id))
    return JSONResponse({"endpoints": [_endpoint_json(e) for e in page], "next_cursor": cursor, "has_more": more})


@operation(
    "getWebhookEndpoint",
    "A webhook endpoint",
    {"200": json_response("WebhookEndpoint", "The endpoint."), **NOT_FOUND},
    scope="read",
    tag="webhooks",
)
async def get_endpoint(request: Request) -> JSONResponse:
    principal, endpoint_id = caller(request), request.path_params["endpoint_id"]
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        row = await _endpoint(conn, principal.tenant_id, endpoint_id)
    return JSONResponse(_endpoint_json(row))


@operation(
    "updateWebhookEndpoint",
    "Change a webhook endpoint",
    {"200": json_response("WebhookEndpoint", "The endpoint as changed."), **NOT_FOUND},
    scope="admin",
    tag="webhooks",
    body=json_body("UpdateWebhookEndpoint", "The fields to change."),
)
async def update_endpoint(request: Request) -> JSONResponse:
    principal, endpoint_id = caller(request), request.path_params["endpoint_id"]
    body = await json_object(request)
    unknown = set(body) - {"url", "description", "event_types", "status"}
    if unknown:
        raise ApiError(422, "invalid_body", f"unknown fields {sorted(unknown)!r}")
    status = field(body, "status", str)
    if status not in (None, "enabled", "disabled"):
        raise ApiError(422, "invalid_body", "'status' is 'enabled' or 'disabled'")
    url = await _checked_url(request, body) if body.get("url") is not None else None
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        row = await store.update_endpoint(
            conn,
            principal.tenant_id,
            endpoint_id,
            url=url,
            description=_description(body),
            event_types=_event_types(body),
            status=status,
        )
    if row is None:
        raise _not_found(endpoint_id)
    return JSONResponse(_endpoint_json(row))


@operation(
    "deleteWebhookEndpoint",
    "Delete a webhook endpoint",
    {"204": {"description": "Deleted."}, **NOT_FOUND, "413": error("PayloadTooLarge")},
    scope="admin",
    tag="webhooks",
)
async def delete_endpoint(request: Request) -> Response:
    principal, endpoint_id = caller(request), request.path_params["endpoint_id"]
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        if not await store.delete_endpoint(conn, principal.tenant_id, endpoint_id):
            raise _not_found(endpoint_id)
    await audited(request, "webhook_endpoint.deleted", endpoint_id)
    return Response(status_code=204)


@post(
    "rotateWebhookSecret",
    "Rotate the signing secret",
    {"200": json_response("WebhookEndpointWithSecret", "The endpoint with its new secret."), **NOT_FOUND},
    scope="admin",
    tag="webhooks",
    body=json_body("RotateWebhookSecret", "How long the old secret keeps signing.", required=False),
)
async def rotate_secret(request: Request) -> JSONResponse:
    principal, endpoint_id = caller(request), request.path_params["endpoint_id"]
    body = await json_object(request, optional=True)
    grace = field(body, "grace_seconds", int, default=DEFAULT_GRACE_SECONDS)
    if not 0 <= grace <= MAX_GRACE_SECONDS:
        raise ApiError(422, "invalid_body", f"'grace_seconds' is from 0 to {MAX_GRACE_SECONDS}")
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        row = await store.rotate_secret(
            conn, principal.tenant_id, endpoint_id, signing.new_secret(), timedelta(seconds=grace)
        )
    if row is None:
        raise _not_found(endpoint_id)
    return JSONResponse(_endpoint_json(row, secret=True))


@operation(
    "listWebhookDeliveries",
    "An endpoint's deliveries",
    {
        "200": json_response(
            "WebhookDeliveryList",
            "One page, newest first.",
            links={"delivery": link("getWebhookDelivery", delivery_id="$response.body#/deliveries/0/delivery_id")},
        ),
        **NOT_FOUND,
    },
    scope="read",
    tag="webhooks",
    parameters=PAGE,
)
async def list_deliveries(request: Request) -> JSONResponse:
    principal, endpoint_id = caller(request), request.path_params["endpoint_id"]
    limit, after = page_limit(request), decode_cursor(request.query_params.get("cursor"))
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        await _endpoint(conn, principal.tenant_id, endpoint_id)
        rows = await store.deliveries(conn, principal.tenant_id, endpoint_id, limit + 1, after)
    page, cursor, more = one_page(rows, limit, lambda d: (d.created_at, d.delivery_id))
    return JSONResponse({"deliveries": [_delivery_json(d) for d in page], "next_cursor": cursor, "has_more": more})


@operation(
    "getWebhookDelivery",
    "A delivery, its attempts",
    {"200": json_response("WebhookDelivery", "The delivery."), **NOT_FOUND},
    scope="read",
    tag="webhooks",
)
async def get_delivery(request: Request) -> JSONResponse:
    principal, delivery_id = caller(request), request.path_params["delivery_id"]
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        row = await _delivery(conn, principal.tenant_id, delivery_id)
    return JSONResponse(_delivery_json(row))


@post(
    "replayWebhookDelivery",
    "Send it again",
    {
        "202": json_response("WebhookDelivery", "Queued again (same `webhook-id` and body).", links=BY_DELIVERY),
        **NOT_FOUND,
        **DISABLED,
    },
    scope="write",
    tag="webhooks",
)
async def replay_delivery(request: Request) -> JSONResponse:
    principal, delivery_id = caller(request), request.path_params["delivery_id"]
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        await _delivery(conn, principal.tenant_id, delivery_id)
        if await store.replay(conn, principal.tenant_id, delivery_id) is None:
            raise ApiError(409, "endpoint_disabled", "the delivery's endpoint is disabled: enable it first")
        row = await _delivery(conn, principal.tenant_id, delivery_id)  # gone if its endpoint was deleted since
    return JSONResponse(_delivery_json(row), status_code=202)


@post(
    "testWebhookEndpoint",
    "Send a `webhook.test` event now",
    {"202": json_response("WebhookDelivery", "Queued.", links=BY_DELIVERY), **NOT_FOUND, **DISABLED},
    scope="write",
    tag="webhooks",
)
async def send_test(request: Request) -> JSONResponse:
    principal, endpoint_id = caller(request), request.path_params["endpoint_id"]
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        endpoint = await _endpoint(conn, principal.tenant_id, endpoint_id)
        if not endpoint.enabled:
            raise ApiError(409, "endpoint_disabled", "the endpoint is disabled: enable it first")
        ping = events.ping(principal.tenant_id, endpoint_id, uuid.uuid4().hex, utc_now())
        (delivery_id,) = await store.enqueue(conn, ping, endpoint_id=endpoint_id)
        delivery = await _delivery(conn, principal.tenant_id, delivery_id)  # gone if its endpoint was deleted since
    return JSONResponse(_delivery_json(delivery), status_code=202)


async def _endpoint(conn: asyncpg.Connection, tenant_id: str, endpoint_id: str) -> Endpoint:
    """The tenant's endpoint; a 404 when it has none of that id."""
    row = await store.endpoint(conn, tenant_id, endpoint_id)
    if row is None:
        raise _not_found(endpoint_id)
    return row


async def _delivery(conn: asyncpg.Connection, tenant_id: str, delivery_id: str) -> Delivery:
    """The tenant's delivery; a 404 when it has none of that id."""
    row = await store.delivery(conn, tenant_id, delivery_id)
    if row is None:
        raise _delivery_not_found(delivery_id)
    return row


routes = [
    Route("/v1/webhooks/endpoints", list_endpoints, methods=["GET"]),
    Route("/v1/webhooks/endpoints", create_endpoint, methods=["POST"]),
    Route("/v1/webhooks/endpoints/{endpoint_id}", get_endpoint, methods=["GET"]),
    Route("/v1/webhooks/endpoints/{endpoint_id}", update_endpoint, methods=["PATCH"]),
    Route("/v1/webhooks/endpoints/{endpoint_id}", delete_endpoint, methods=["DELETE"]),
    Route("/v1/webhooks/endpoints/{endpoint_id}/rotate-secret", rotate_secret, methods=["POST"]),
    Route("/v1/webhooks/endpoints/{endpoint_id}/deliveries", list_deliveries, methods=["GET"]),
    Route("/v1/webhooks/endpoints/{endpoint_id}/test", send_test, methods=["POST"]),
    Route("/v1/webhooks/deliveries/{delivery_id}", get_delivery, methods=["GET"]),
    Route("/v1/webhooks/deliveries/{delivery_id}/replay", replay_delivery, methods=["POST"]),
]
