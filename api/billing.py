"""Billing through Stripe (issue 54), off unless configured: ``GET /v1/billing`` (the workspace's
customer and subscription), ``POST /v1/billing/checkout`` (a Stripe Checkout page to subscribe
on; the workspace's customer is made the first time) and ``POST /v1/billing/webhook``, where
Stripe tells subscription changes (its ``Stripe-Signature`` checked with the endpoint's secret:
anything else is refused), in no set order: the state kept is the newest event's. With billing
off they answer 409 ``billing_not_configured`` and nothing reaches Stripe; plans and quotas
(``api.usage``) work either way."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.audit import audited
from api.auth import caller
from api.errors import ApiError
from api.hosts import page_link
from api.openapi.blocks import STRING, json_response, nullable, obj
from api.routing import operation, post
from streams.adapters.db import tenant_connection
from streams.billing import store
from streams.billing.stripe_account import StripeAccount
from streams.errors import BillingError, BillingUnavailable

log = logging.getLogger(__name__)
NOT_CONFIGURED = {"409": json_response("Error", "Billing is off on this server (`billing_not_configured`).")}
# The subscription states Stripe's webhooks carry, by event type.
SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)


def _account(request: Request) -> StripeAccount:
    account = getattr(request.app.state, "stripe", None)
    if account is None:
        account = StripeAccount.configured(request.app.state.settings)
        if account is None:
            raise ApiError(409, "billing_not_configured", "billing is off on this server (no Stripe key is set)")
        request.app.state.stripe = account
    return account


@operation(
    "getBilling",
    "The workspace's Stripe customer and subscription",
    {"200": json_response("Billing", "Whether billing is on, and the customer with its subscription.")},
    scope="admin",
    tag="usage",
)
async def get_billing(request: Request) -> JSONResponse:
    principal = caller(request)
    enabled = bool(request.app.state.settings.stripe_api_key)
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        found = await store.customer(conn, principal.tenant_id)
    return JSONResponse({"enabled": enabled, "customer": found.as_json() if found else None})


@post(
    "startCheckout",
    "Subscribe through Stripe Checkout: the page's address",
    {
        "201": json_response("Checkout", "The Checkout session opened for the workspace."),
        **NOT_CONFIGURED,
        "502": json_response("Error", "Stripe refused (`billing_failed`)."),
        "503": json_response("Error", "Stripe could not be reached (`billing_unavailable`)."),
    },
    scope="admin",
    tag="usage",
)
async def start_checkout(request: Request) -> JSONResponse:
    principal = caller(request)
    account = _account(request)
    settings = request.app.state.settings
    pool = request.app.state.db
    async with tenant_connection(pool, principal.tenant_id) as conn:
        found = await store.customer(conn, principal.tenant_id)
        name = await conn.fetchval("SELECT name FROM tenants WHERE tenant_id = $1", principal.tenant_id)
    try:
        customer_id = found.customer_id if found else await account.create_customer(principal.tenant_id, name or "")
        checkout = await account.checkout(
            principal.tenant_id,
            customer_id,
            page_link(settings, "billing=done"),
            page_link(settings, "billing=cancelled"),
        )
    except BillingUnavailable as exc:
        raise ApiError(503, exc.code, exc.message) from None
    except BillingError as exc:
        raise ApiError(502, exc.code, exc.message) from None
    async with tenant_connection(pool, principal.tenant_id) as conn:
        await store.save_customer(conn, principal.tenant_id, customer_id, checkout.session_id)
    await audited(request, "billing.checkout_started", checkout.session_id, customer_id=customer_id)
    return JSONResponse({"checkout_url": checkout.url, "session_id": checkout.session_id}, status_code=201)


@operation(
    "stripeWebhook",
    "Where Stripe tells subscription changes (signed)",
    {
        "200": json_response(
            obj({"received": {"const": True}, "tenant_id": nullable(STRING)}),
            "Taken; `tenant_id` is the workspace it changed (null: none, or the state recorded comes from a "
            "newer event: Stripe sends its events in no set order).",
        ),
        "400": json_response("Error", "Not signed by Stripe with this endpoint's secret (`invalid_signature`)."),
        **NOT_CONFIGURED,
    },
    tag="usage",
)
async def stripe_webhook(request: Request) -> JSONResponse:
    account = _account(request)
    payload = await request.body()
    try:
        event = account.event(payload, request.headers.get("stripe-signature", ""))
    except BillingError as exc:
        log.warning("a Stripe webhook was refused: %s", exc)
        raise ApiError(400, "invalid_signature", "the Stripe-Signature does not match this endpoint's secret") from None
    changed = None
    thing = event.data.object.to_dict()
    made = datetime.fromtimestamp(event.created, UTC)  # an older event than the state recorded changes nothing
    if event.type in SUBSCRIPTION_EVENTS:
        status = "canceled" if event.type.endswith(".deleted") else str(thing.get("status") or "")
        async with request.app.state.db.acquire() as conn:
            changed = await store.record_subscription(
                conn, str(thing.get("customer")), str(thing.get("id")), status, made
            )
    elif event.type == "checkout.session.completed" and thing.get("customer"):
        subscription = thing.get("subscription")
        async with request.app.state.db.acquire() as conn:
            changed = await store.record_subscription(
                conn, str(thing.get("customer")), str(subscription) if subscription else None, "active", made
            )
    log.info("Stripe webhook %s (%s): workspace %s", event.type, event.id, changed)
    return JSONResponse({"received": True, "tenant_id": changed})


routes = [
    Route("/v1/billing", get_billing, methods=["GET"]),
    Route("/v1/billing/checkout", start_checkout, methods=["POST"]),
    Route("/v1/billing/webhook", stripe_webhook, methods=["POST"]),
]
