"""Who is calling: tenant API keys (``Authorization: Bearer csk_...``), people signed in on the web
page (the ``clipstream_session`` cookie, ``api.sessions``), and the operator token.

A request made with a session cookie that changes anything (any method but GET, HEAD, OPTIONS)
must carry the session's CSRF token in ``X-CSRF-Token``, and, when the browser sends an
``Origin``, come from the API's own origin: a page elsewhere cannot act for a signed-in browser
(403 ``csrf_failed``). A session is read from PostgreSQL on every request, so sign-out and a
member's removal take effect at once.

The middleware resolves the key to a :class:`~streams.tenancy.Principal` (cached for a few
seconds, so a revoked key stops working within ``CACHE_SECONDS``) and puts it on
``request.state.principal``; routes declare the scope they need (:mod:`api.routing`, which
checks it with :func:`require`) and ask :func:`caller` who is calling. Operator
routes (``/v1/admin/...``) take ``settings.admin_token`` instead and are off while it is empty.
Pages, the spec, ``/healthz`` and ``/metrics`` are open.
"""

from __future__ import annotations

import hmac
import time
from typing import Awaitable, Callable

from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from api import signing
from api.errors import ApiError, error_response
from streams.ops import logs
from streams.people import store as people
from streams.people.roles import scope_of
from streams.tenancy import Principal, authenticate, key_active

# The OAuth callbacks carry no key (the platform or the OpenID provider sends the browser there):
# each is matched by the single-use state it began with (api.publishing, api.sign_on); the sign-on
# form asks whether single sign-on is offered before anyone has signed in.
OPEN_PATHS = (
    "/",
    "/healthz",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/v1/accounts/callback",
    "/v1/sign-on",
    "/v1/sign-on/start",
    "/v1/sign-on/callback",
)
OPEN_PREFIXES = ("/static/", "/docs/")
# Signing in, using a reset link and taking an invitation are how a person without a session gets
# in; Stripe's webhooks are signed with the endpoint's secret (api.billing), TikTok's with the
# app's client secret (api.platform_notices).
OPEN_POSTS = ("/v1/session", "/v1/password-resets", "/v1/billing/webhook", "/v1/platforms/tiktok/webhook")
OPEN_POST_PREFIXES = ("/v1/password-resets/", "/v1/invitations/")
SESSION_COOKIE = "clipstream_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
ADMIN_PREFIX = "/v1/admin/"
CACHE_SECONDS = 5.0


def presented_key(headers: dict[bytes, bytes]) -> str:
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return ""


def is_open(path: str, method: str = "GET") -> bool:
    if method == "POST" and (path in OPEN_POSTS or path.startswith(OPEN_POST_PREFIXES)):
        return True
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def session_cookie(headers: dict[bytes, bytes]) -> str:
    """The session cookie's value in a request's raw headers (a route reads ``request.cookies``)."""
    raw = headers.get(b"cookie", b"").decode("latin-1")
    return cookie_parser(raw).get(SESSION_COOKIE, "") if raw else ""


def same_origin(headers: dict[bytes, bytes]) -> bool:
    """Whether the browser's ``Origin`` (when it sends one) is this server's own."""
    origin = headers.get(b"origin", b"").decode("latin-1")
    host = headers.get(b"host", b"").decode("latin-1")
    return not origin or origin in (f"http://{host}", f"https://{host}")


class ApiKeyMiddleware:
    """Authenticates every non-open request; 401 for a missing or unknown key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cache: dict[str, tuple[float, Principal | None]] = {}

    async def cached(self, key: str, lookup: Callable[[], Awaitable[Principal | None]]) -> Principal | None:
        """``lookup()``, remembered for ``CACHE_SECONDS`` under ``key``."""
        now = time.monotonic()
        hit = self.cache.get(key)
        if hit and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        principal = await lookup()
        if len(self.cache) > 10_000:
            self.cache.clear()
        self.cache[key] = (now, principal)
        return principal

    async def principal(self, pool, key: str) -> Principal | None:
        return await self.cached(key, lambda: authenticate(pool, key))

    async def session(self, pool, token: str) -> Principal | None:
        """The principal of a live session (never cached: sign-out ends it at once)."""
        async with pool.acquire() as conn:
            row = await people.session(conn, token)
        if row is None:
            return None
        return Principal(tenant_id=row.tenant_id, key_id=row.user_id, scope=scope_of(row.role), session=row)

    @staticmethod
    def csrf_ok(principal: Principal, headers: dict[bytes, bytes]) -> bool:
        assert principal.session is not None
        sent = headers.get(CSRF_HEADER.encode(), b"").decode("latin-1")
        return (
            bool(sent)
            and hmac.compare_digest(sent.encode(), principal.session.csrf_token.encode())
            and same_origin(headers)
        )

    async def signed(self, app_state, scope: Scope) -> Principal | None:
        """The principal of a signed link (GET only); None when the request carries none.
        :class:`~api.signing.LinkRefused` for a link that is altered, expired, or whose key was
        revoked."""
        query = scope.get("query_string", b"").decode("latin-1")
        if scope["method"] not in ("GET", "HEAD") or f"{signing.TOKEN}=" not in query:
            return None
        principal = signing.verify(app_state.signing_secret, scope["path"], query)

        async def still_active() -> Principal | None:
            active = await key_active(app_state.db, principal.tenant_id, principal.key_id)
            return principal if active else None

        active = await self.cached(f"signed:{principal.tenant_id}:{principal.key_id}", still_active)
        if active is None:
            raise signing.LinkRefused("link_revoked", "the key this link was signed for is revoked")
        return active

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_open(scope["path"], scope["method"]):
            await self.app(scope, receive, send)
            return
        app_state = scope["app"].state
        key = presented_key(dict(scope["headers"]))
        if scope["path"].startswith(ADMIN_PREFIX):
            token = app_state.settings.admin_token
            if not token:
                response = error_response(
                    404, "not_found", "operator routes are off (CLIPSTREAM_ADMIN_TOKEN is not set)"
                )
            elif key and hmac.compare_digest(key.encode(), token.encode()):
                await self.app(scope, receive, send)
                return
            else:
                response = error_response(
                    401, "unauthorized", "operator routes need 'Authorization: Bearer <admin token>'"
                )
            await response(scope, receive, send)
            return
        try:
            principal = await self.principal(app_state.db, key) if key else await self.signed(app_state, scope)
        except signing.LinkRefused as refused:
            await error_response(403, refused.code, refused.message)(scope, receive, send)
            return
        headers = dict(scope["headers"])
        cookie = "" if key or principal is not None else session_cookie(headers)
        if cookie:
            principal = await self.session(app_state.db, cookie)
            forged = (
                principal is not None and scope["method"] not in SAFE_METHODS and not self.csrf_ok(principal, headers)
            )
            if forged:
                await error_response(
                    403,
                    "csrf_failed",
                    "a signed-in request that changes anything needs the session's X-CSRF-Token and the API's own origin",
                )(scope, receive, send)
                return
        if principal is not None:
            logs.bind(tenant_id=principal.tenant_id)
        if principal is None:
            message = (
                "the session has ended (signed out, idle or expired): sign in again"
                if cookie
                else "missing API key"
                if not key
                else "invalid or revoked API key"
            )
            response = error_response(401, "unauthorized", f"{message}: send 'Authorization: Bearer <key>'")
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def caller(request: Request) -> Principal:
    """Who is calling: the principal the middleware found (401 when there is none). A route's
    declared scope (:mod:`api.routing`) has been checked before its handler asks."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise ApiError(401, "unauthorized", "missing API key: send 'Authorization: Bearer <key>'")
    return principal


def require(request: Request, scope: str) -> Principal:
    """The caller, if its key has at least ``scope``; 403 otherwise."""
    principal = caller(request)
    if not principal.allows(scope):
        if principal.session is not None:
            raise ApiError(403, "forbidden", f"{principal.session.role}s of this workspace cannot make this call")
        raise ApiError(403, "forbidden", f"this key has scope '{principal.scope}'; this call needs '{scope}'")
    return principal
