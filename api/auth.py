"""The static API key (``CLIPSTREAM_API_KEY``) until tenants and keys land. Sent as
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; ``/healthz`` is open."""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response

OPEN_PATHS = ("/healthz",)


def presented_key(headers: dict[bytes, bytes]) -> str:
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return headers.get(b"x-api-key", b"").decode("latin-1").strip()


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app, self.key = app, key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        key = presented_key(dict(scope["headers"]))
        if not key or not hmac.compare_digest(key.encode(), self.key.encode()):
            message = "missing API key" if not key else "invalid API key"
            response = error_response(401, "unauthorized", f"{message}: send 'Authorization: Bearer <key>'")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
