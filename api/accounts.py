"""Platform accounts (issue 52): connected through the platform's own consent page.

``POST /v1/accounts/connect`` (``{"platform"}``) begins an OAuth 2.0 authorization-code flow with PKCE
(``streams.publish.oauth``) and answers the consent page's address; the platform sends the browser
back to ``GET /v1/accounts/callback``, which carries no API key: it is matched by its single-use
``state`` (ten minutes to live), trades the code for the grant, keeps the grant only sealed
(``streams.publish.tokens``) and sends the browser on to the web page. Listed with
``api.publishing``' routes."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from api.audit import audited
from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.hosts import public_base
from api.openapi.blocks import (
    BOOLEAN,
    NOT_FOUND,
    STRING,
    TIMESTAMP,
    array,
    error,
    json_response,
    obj,
    query_param,
)
from api.routing import operation, post
from streams.adapters.db import tenant_connection
from streams.domain.posts import PLATFORMS, Account
from streams.errors import ClipstreamError, ConfigError
from streams.publish import oauth, store
from streams.publish.configured import account_name, default_name
from streams.publish.tokens import Grant, TokenCipher
from streams.settings import Settings

log = logging.getLogger("clipstream.api")
ACCOUNT_ID = re.compile(r"acc_[0-9a-f]{32}")


CALLBACK = "/v1/accounts/callback"


ACCOUNT = obj(
    {
        "account_id": STRING,
        "platform": {"enum": list(PLATFORMS)},
        "name": STRING,
        "status": {"enum": ["connected", "reconnect_required"]},
        "created_at": TIMESTAMP,
    }
)


NOT_CONFIGURED = {"409": error("Conflict")}


def cipher_of(settings: Settings) -> TokenCipher:
    if not settings.token_keys:
        raise ApiError(
            409, "publishing_not_configured", "publishing is off on this server: CLIPSTREAM_TOKEN_KEYS is not set"
        )
    try:
        return TokenCipher.from_setting(settings.token_keys)
    except ConfigError as exc:
        raise ApiError(409, "publishing_not_configured", exc.message) from None


def oauth_client(settings: Settings, platform: str) -> oauth.OAuthClient | None:
    """The platform's OAuth client as configured; None when it is not."""
    if platform == "youtube" and settings.youtube_client_id:
        from streams.publish.youtube import GOOGLE_TOKEN_URL, SCOPES

        return oauth.OAuthClient(
            settings.youtube_client_id,
            settings.youtube_client_secret,
            settings.youtube_auth_url or oauth.GOOGLE_AUTH_URL,
            settings.youtube_token_url or GOOGLE_TOKEN_URL,
            SCOPES,
            settings.platform_ca_certs or None,
        )
    if platform == "tiktok" and settings.tiktok_client_key:
        from streams.publish.tiktok import SCOPES as TIKTOK_SCOPES
        from streams.publish.tiktok import TIKTOK_API_URL

        return oauth.OAuthClient(
            settings.tiktok_client_key,
            settings.tiktok_client_secret,
            settings.tiktok_auth_url or oauth.TIKTOK_AUTH_URL,
            (settings.tiktok_api_url or TIKTOK_API_URL).rstrip("/") + "/v2/oauth/token/",
            TIKTOK_SCOPES,
            settings.platform_ca_certs or None,
            id_param="client_key",
            scope_separator=",",
        )
    return None


def redirect_uri(request: Request) -> str:
    """The callback's address as the platform must be told it (registered with the OAuth client)."""
    return public_base(request.app.state.settings) + CALLBACK


def account_json(account: Account) -> dict:
    return {**account.as_json(), "links": {"self": f"/v1/accounts/{account.account_id}"}}


async def account_or_404(request: Request, account_id: str) -> Account:
    found = None
    if ACCOUNT_ID.fullmatch(account_id):
        tenant_id = caller(request).tenant_id
        async with tenant_connection(request.app.state.db, tenant_id) as conn:
            found = await store.account(conn, tenant_id, account_id)
    if found is None:
        raise ApiError(404, "account_not_found", f"no account with id {account_id[:64]!r}")
    return found


# -- accounts --------------------------------------------------------------------------------------
@operation(
    "listAccounts",
    "The platform accounts clips can be posted to",
    {
        "200": json_response(
            obj({"accounts": array(ACCOUNT), "enabled": BOOLEAN, "platforms": array({"enum": list(PLATFORMS)})}),
            "Oldest first; `enabled`: whether this server publishes at all; `platforms`: those it offers.",
        )
    },
    scope="read",
    tag="publishing",
)
async def list_accounts(request: Request) -> JSONResponse:
    tenant_id = caller(request).tenant_id
    settings = request.app.state.settings
    async with tenant_connection(request.app.state.db, tenant_id) as conn:
        found = await store.accounts(conn, tenant_id)
    offered = [p for p in PLATFORMS if oauth_client(settings, p) is not None] if settings.token_keys else []
    return JSONResponse({"accounts": [account_json(a) for a in found], "enabled": bool(offered), "platforms": offered})


@post(
    "connectAccount",
    "Begin connecting an account on a platform (its consent page)",
    {
        "201": json_response(
            obj({"authorization_url": STRING, "expires_at": TIMESTAMP}),
            "Send the person to `authorization_url`; the platform sends them back to this server.",
        ),
        **NOT_FOUND,
        **NOT_CONFIGURED,
    },
    scope="admin",
    tag="publishing",
    body={
        "required": True,
        "content": {
            "application/json": {
                "schema": obj(
                    {"platform": {"enum": list(PLATFORMS)}},
                    {"account_id": {**STRING, "description": "Connect this account again."}},
                )
            }
        },
    },
    description="A platform whose OAuth client this server has not configured is a 404 `platform_not_found`.",
)
async def connect_account(request: Request) -> JSONResponse:
    principal = caller(request)
    body = await json_object(request)
    platform = field(body, "platform", str, required=True)
    again = field(body, "account_id", str, default=None)
    if again is not None:
        account = await account_or_404(request, again)
        if account.platform != platform:
            raise ApiError(404, "account_not_found", f"no {platform[:32]} account with id {again[:64]!r}")
    settings = request.app.state.settings
    cipher_of(settings)
    client = oauth_client(settings, platform) if platform in PLATFORMS else None
    if client is None:
        raise ApiError(404, "platform_not_found", f"posting to {platform[:32]!r} is not offered on this server")
    started = oauth.begin(client, redirect_uri(request))
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        await store.begin_connection(conn, principal.tenant_id, platform, started.state, started.verifier, again)
    expires = datetime.now(UTC) + timedelta(seconds=oauth.STATE_SECONDS)
    return JSONResponse(
        {"authorization_url": started.url, "expires_at": expires.isoformat().replace("+00:00", "Z")}, status_code=201
    )


@operation(
    "finishAccountConnection",
    "Where the platform sends the person back (no key: matched by its state)",
    {"303": {"description": "On to the web page, which says whether the account was connected."}},
    tag="publishing",
    parameters=[
        query_param("state", STRING, "The state the connection began with."),
        query_param("code", STRING, "The platform's authorization code."),
        query_param("error", STRING, "Why the platform did not give one (`access_denied`)."),
    ],
)
async def finish_connection(request: Request) -> Response:
    state, code = request.query_params.get("state", ""), request.query_params.get("code", "")
    if not 32 <= len(state) <= 128:
        return _back("account_error", "unknown_connection")
    async with request.app.state.db.acquire() as conn:
        begun = await store.take_connection(conn, state, oauth.STATE_SECONDS)
    if begun is None or not begun["fresh"]:
        return _back("account_error", "unknown_connection" if begun is None else "connection_expired")
    if request.query_params.get("error") or not code:
        return _back("account_error", (request.query_params.get("error") or "no_code")[:64])
    settings = request.app.state.settings
    client = oauth_client(settings, begun["platform"])
    if client is None or not settings.token_keys:
        return _back("account_error", "publishing_not_configured")
    try:
        grant = await oauth.exchange(client, code, redirect_uri(request), begun["verifier"])
    except ClipstreamError as exc:
        return _back("account_error", exc.code)
    name, grant = await _named(settings, begun["platform"], grant)
    sealed = TokenCipher.from_setting(settings.token_keys).seal(grant)
    tenant_id = begun["tenant_id"]
    async with tenant_connection(request.app.state.db, tenant_id) as conn:
        if begun["account_id"] is not None:
            await store.store_grant(conn, begun["account_id"], sealed, grant.user_id, name)
            account_id = begun["account_id"]
        else:
            added = await store.add_account(conn, tenant_id, begun["platform"], name, sealed, grant.user_id)
            account_id = added.account_id
    return _back("account_connected", account_id)


async def _named(settings: Settings, platform: str, grant: Grant) -> tuple[str, Grant]:
    """The account's name as the platform gives it (a channel's title), and the grant as it stands
    after asking; "<Platform> account" when the platform cannot say (logged: the grant still works)."""
    try:
        return await asyncio.to_thread(account_name, settings, platform, grant)
    except ClipstreamError as exc:
        log.warning("the new %s account's name was not read: %s", platform, exc)
        return default_name(platform), grant


def _back(key: str, value: str) -> RedirectResponse:
    return RedirectResponse("/?" + urlencode({key: value}) + "#accounts", status_code=303)


@operation(
    "deleteAccount",
    "Disconnect an account (its grant and its posts are forgotten)",
    {"204": {"description": "Forgotten."}, **NOT_FOUND},
    scope="admin",
    tag="publishing",
)
async def delete_account(request: Request) -> Response:
    account = await account_or_404(request, request.path_params["account_id"])
    async with tenant_connection(request.app.state.db, account.tenant_id) as conn:
        await store.remove_account(conn, account.tenant_id, account.account_id)
    await audited(request, "account.removed", account.account_id, platform=account.platform, name=account.name)
    return Response(status_code=204)
