"""``Idempotency-Key`` on POST, with Stripe's semantics.

The first request with a key claims it (``in_flight``), runs, and its response -- success or error
-- is stored and replayed to every retry with ``Idempotent-Replayed: true``. A retry while the
first is still running gets 409; the same key with other parameters gets 422. Keys are per
tenant and kept ``idempotency_ttl_hours`` (at least 24 h). A request that crashed without a
response releases its claim, and a claim whose process died lapses after ``LOCK_SECONDS``.

Parameters are compared by a fingerprint of method, path, query and body. An upload body is far
too large to hold back before running the request, so for multipart uploads the fingerprint
covers method, path, query and the declared length only.
"""

from __future__ import annotations

import hashlib
import json
import random

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from api.limits import is_upload
from api.routing import operation_at
from streams.adapters.db import tenant_connection

HEADER = b"idempotency-key"
LOCK_SECONDS = 15 * 60
REPLAYED_HEADERS = ("content-type", "location", "retry-after")


def fingerprint(scope: Scope, body: bytes | None) -> str:
    h = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        h.update(part.encode() + b"\0")
    if body is None:
        h.update(b"stream:" + dict(scope["headers"]).get(b"content-length", b""))
    else:
        h.update(b"body:" + body)
    return h.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, ttl_hours: float) -> None:
        self.app = app
        self.ttl_hours = max(24.0, ttl_hours)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("state", {}).get("principal") if scope["type"] == "http" else None
        key = dict(scope["headers"]).get(HEADER) if principal is not None and scope["method"] == "POST" else None
        if principal is None or key is None:
            await self.app(scope, receive, send)
            return
        declared = operation_at(scope["app"], scope)
        if declared is not None and declared.scope is not None and not principal.allows(declared.scope):
            await self.app(scope, receive, send)  # the route answers with its 403; nothing is kept
            return
        key_text = key.decode("latin-1").strip()
        if not 1 <= len(key_text) <= 255:
            await error_response(422, "invalid_idempotency_key", "an Idempotency-Key is 1 to 255 characters")(
                scope, receive, send
            )
            return
        body: bytes | None = None
        if not is_upload(scope):
            body, receive = await _buffered(receive)
        pool = scope["app"].state.db
        tenant, key_id = principal.tenant_id, principal.key_id
        claim = await self.claim(pool, tenant, key_id, key_text, fingerprint(scope, body))
        if claim is not None:
            await claim(scope, receive, send)
            return

        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        stored = False

        async def store() -> None:
            nonlocal stored
            kept = {
                k.decode("latin-1"): v.decode("latin-1")
                for k, v in headers
                if k.decode("latin-1").lower() in REPLAYED_HEADERS
            }
            async with tenant_connection(pool, tenant) as conn:
                await conn.execute(
                    "UPDATE idempotency_keys SET state = 'done', response_status = $3, response_headers = $4::jsonb,"
                    " response_body = $5 WHERE tenant_id = $1 AND idempotency_key = $2 AND key_id = $6",
                    tenant,
                    key_text,
                    status,
                    json.dumps(kept),
                    b"".join(chunks),
                    key_id,
                )
            stored = True

        async def capture(message: Message) -> None:
            # The response is stored before its last byte goes out, so a client that has the
            # answer and retries at once is replayed, never told the key is still in use.
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and not stored:
                    await store()
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            if not stored:
                async with tenant_connection(pool, tenant) as conn:
                    await conn.execute(
                        "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND idempotency_key = $2"
                        " AND key_id = $3 AND state = 'in_flight'",
                        tenant,
                        key_text,
                        key_id,
                    )
            raise
        if not stored:
            await store()

    async def claim(self, pool, tenant: str, key_id: str, key: str, print_: str):
        """None if this request now holds the key; else the response to send instead."""
        async with tenant_connection(pool, tenant) as conn:
            if random.random() < 0.01:
                await conn.execute("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND expires_at < now()", tenant)
            row = await conn.fetchrow(
                """
                INSERT INTO idempotency_keys AS k
                    (tenant_id, key_id, idempotency_key, fingerprint, state, locked_until, expires_at)
                VALUES ($1, $6, $2, $3, 'in_flight', now() + make_interval(secs => $4), now() + make_interval(secs => $5))
                ON CONFLICT (tenant_id, key_id, idempotency_key) DO UPDATE
                    SET fingerprint = EXCLUDED.fingerprint, state = 'in_flight', locked_until = EXCLUDED.locked_until,
                        expires_at = EXCLUDED.expires_at, response_status = NULL, response_headers = NULL,
                        response_body = NULL, created_at = now()
                    WHERE k.expires_at < now()
                       OR (k.state = 'in_flight' AND k.locked_until < now() AND k.fingerprint = EXCLUDED.fingerprint)
                RETURNING true AS claimed
                """,
                tenant,
                key,
                print_,
                float(LOCK_SECONDS),
                self.ttl_hours * 3600.0,
                key_id,
            )
            if row is not None:
                return None
            held = await conn.fetchrow(
                "SELECT * FROM idempotency_keys WHERE tenant_id = $1 AND key_id = $2 AND idempotency_key = $3",
                tenant,
                key_id,
                key,
            )
        if held["fingerprint"] != print_:
            return error_response(
                422, "idempotency_key_reused", "this Idempotency-Key was already used with different parameters"
            )
        if held["state"] == "in_flight":
            response = error_response(
                409, "idempotency_key_in_use", "a request with this Idempotency-Key is still in progress; retry later"
            )
            response.headers["Retry-After"] = "1"
            return response
        return _Replay(
            held["response_status"], json.loads(held["response_headers"] or "{}"), bytes(held["response_body"] or b"")
        )


class _Replay:
    def __init__(self, status: int, headers: dict, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        headers += [(b"content-length", str(len(self.body)).encode()), (b"idempotent-replayed", b"true")]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole (small: the body limit bounds it) body; a receive that replays it."""
    parts, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(parts)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
