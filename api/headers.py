"""Headers every response carries, so that nothing the API serves can run as a page on its origin.

Every response says ``X-Content-Type-Options: nosniff`` (a browser takes the declared type, never
guesses HTML from the bytes) and ``Referrer-Policy: no-referrer`` (a signed link's token never
leaves in a ``Referer``). A response that sets no ``Content-Security-Policy`` of its own -- every
one but the web page and the docs page, which declare theirs -- gets :data:`LOCKED_DOWN`: a
sandbox with nothing allowed, so even a document that got through would run no script and reach
no origin.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCKED_DOWN = "default-src 'none'; sandbox; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
ALWAYS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers[name] = value
                if "content-security-policy" not in headers:
                    headers["content-security-policy"] = LOCKED_DOWN
            await send(message)

        await self.app(scope, receive, with_headers)
