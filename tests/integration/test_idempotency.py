"""``Idempotency-Key`` through the middleware on the stack's PostgreSQL, as the API's role.

The ASGI calls are made by hand so a test can act at the exact moment the client has the whole
answer: the last body message reaching the server's ``send``."""

from __future__ import annotations

import json
import uuid

import asyncpg
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.idempotency import IdempotencyMiddleware
from streams.tenancy import Principal

pytestmark = pytest.mark.integration


async def _create(request):
    request.app.state.created += 1
    return JSONResponse({"n": request.app.state.created}, status_code=202, headers={"Location": "/v1/things/1"})


async def _boom(request):
    raise RuntimeError("the handler failed before answering")


@pytest.fixture
async def app(stack):
    pool = await asyncpg.create_pool(stack.postgres_app_dsn, min_size=1, max_size=4)
    app = Starlette(routes=[Route("/things", _create, methods=["POST"]), Route("/boom", _boom, methods=["POST"])])
    app.add_middleware(IdempotencyMiddleware, ttl_hours=24)
    app.state.db = pool
    app.state.created = 0
    app.state.tenant = f"t-{uuid.uuid4().hex[:12]}"
    owner = await asyncpg.connect(stack.postgres_dsn)
    await owner.execute("INSERT INTO tenants (tenant_id, name) VALUES ($1, 'idempotency test')", app.state.tenant)
    yield app
    await owner.execute("DELETE FROM idempotency_keys WHERE tenant_id = $1", app.state.tenant)
    await owner.execute("DELETE FROM tenants WHERE tenant_id = $1", app.state.tenant)
    await owner.close()
    await pool.close()


async def call(app, path: str, key: str, on_last_byte=None, key_id: str = "k") -> dict:
    """POST ``path`` with ``key`` as API key ``key_id``; ``on_last_byte()`` runs when the final body
    message is sent."""
    principal = Principal(tenant_id=app.state.tenant, key_id=key_id, scope="write")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"idempotency-key", key.encode()), (b"content-type", b"application/json"),
                         (b"content-length", b"2")],
             "server": ("api", 80), "client": ("127.0.0.1", 1), "state": {"principal": principal}}
    answer: dict = {"body": b""}

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        else:
            answer["body"] += message.get("body", b"")
            if not message.get("more_body", False) and on_last_byte is not None:
                answer["retry"] = await on_last_byte()

    await app(scope, receive, send)
    return answer


async def test_a_retry_sent_the_moment_the_answer_arrives_is_replayed(app):
    """The stored response is written before the last byte goes out: a client that retries as
    soon as it has the answer gets the replay, not ``409 idempotency_key_in_use``."""
    key = f"k-{uuid.uuid4().hex}"
    first = await call(app, "/things", key, on_last_byte=lambda: call(app, "/things", key))
    retry = first["retry"]
    assert first["status"] == 202 and json.loads(first["body"]) == {"n": 1}
    assert retry["status"] == 202, retry
    assert retry["headers"].get("idempotent-replayed") == "true"
    assert retry["headers"]["location"] == "/v1/things/1"
    assert json.loads(retry["body"]) == {"n": 1}
    assert app.state.created == 1


async def test_a_request_that_crashed_without_answering_releases_its_key(app, stack):
    key = f"k-{uuid.uuid4().hex}"
    held = []
    owner = await asyncpg.connect(stack.postgres_dsn)
    try:
        async def look():
            held.append(await owner.fetchval("SELECT state FROM idempotency_keys WHERE idempotency_key = $1", key))

        with pytest.raises(RuntimeError):
            await call(app, "/boom", key)
        await look()
        await call(app, "/things", key, on_last_byte=look)
        await look()
    finally:
        await owner.close()
    assert held == [None, "done", "done"]
    assert app.state.created == 1


async def test_an_idempotency_key_belongs_to_the_api_key_that_sent_it(app):
    """Issue 47: another API key of the same tenant repeating the request is a request of its own,
    never a replay of the first key's answer (which may hold a secret made for it)."""
    key = f"k-{uuid.uuid4().hex}"
    first = await call(app, "/things", key, key_id="first")
    other = await call(app, "/things", key, key_id="second")
    again = await call(app, "/things", key, key_id="first")
    assert json.loads(first["body"]) == {"n": 1} and json.loads(other["body"]) == {"n": 2}
    assert "idempotent-replayed" not in other["headers"]
    assert again["headers"]["idempotent-replayed"] == "true" and json.loads(again["body"]) == {"n": 1}
