"""Request limits: a token bucket per API key (429 with ``Retry-After``) and request body sizes.

The buckets live in the API process: with several API replicas each enforces the limit on its
own (the effective limit is replicas x rate), which is stated in the README's limits table.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

UPLOAD_ROUTES = (("POST", "/v1/videos"),)
MULTIPART_OVERHEAD = 1024 * 1024


def is_upload(scope: Scope) -> bool:
    """A multipart upload to an upload route: its body is streamed, never held."""
    content_type = dict(scope["headers"]).get(b"content-type", b"")
    return (scope["method"], scope["path"]) in UPLOAD_ROUTES and content_type.startswith(b"multipart/form-data")


@dataclass
class TokenBucket:
    """``rate`` tokens per second up to ``burst``; :meth:`take` says how long to wait if empty."""

    rate: float
    burst: int
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens, self.stamp = float(self.burst), time.monotonic()

    def take(self, now: float | None = None) -> float:
        """0 if a token was taken, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, rate: float, burst: int) -> None:
        self.app, self.rate, self.burst = app, rate, burst
        self.buckets: dict[str, TokenBucket] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("state", {}).get("principal") if scope["type"] == "http" else None
        if principal is None or self.rate <= 0:
            await self.app(scope, receive, send)
            return
        bucket = self.buckets.get(principal.key_id)
        if bucket is None:
            bucket = self.buckets[principal.key_id] = TokenBucket(self.rate, max(1, self.burst))
        wait = bucket.take()
        if wait > 0:
            response = error_response(
                429, "rate_limited", f"more than {self.rate:g} requests per second on this key; retry later"
            )
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """413 for a body over the limit: uploads may be up to ``upload_bytes``, anything else up to
    ``body_bytes``. Checked on ``Content-Length`` first and on the bytes as they arrive."""

    def __init__(self, app: ASGIApp, body_bytes: int, upload_bytes: int) -> None:
        self.app, self.body_bytes, self.upload_bytes = app, body_bytes, upload_bytes

    def limit_for(self, scope: Scope) -> int:
        return self.upload_bytes + MULTIPART_OVERHEAD if is_upload(scope) else self.body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self.too_large(limit)(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await self.too_large(limit)(scope, receive, send)

    @staticmethod
    def too_large(limit: int):
        return error_response(413, "body_too_large", f"the request body is larger than the limit of {limit} bytes")
