"""Webhook delivery end to end: the real PostgreSQL of the stack, a real HTTP receiver on
127.0.0.1, the dispatcher on a fast retry schedule; every received request is checked with the
reference Standard Webhooks implementation."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import timedelta

import asyncpg
import pytest
from standardwebhooks.webhooks import Webhook

from streams.adapters.db import tenant_connection
from streams.domain.webhooks import Endpoint
from streams.webhooks import store
from streams.webhooks.dispatch import USER_AGENT, Dispatcher
from streams.webhooks.events import WebhookEvent, body
from tests.httpd import Answer, LocalServer

pytestmark = pytest.mark.integration

SCHEDULE = "0.1,0.1,0.1,0.1"  # 5 attempts in all


@pytest.fixture
async def pool(stack):
    pool = await asyncpg.create_pool(stack.postgres_dsn, min_size=1, max_size=6)
    assert await pool.fetchval("SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user"), \
        "the worker's owner role must have BYPASSRLS (see schemas/postgres/0004_tenants.sql)"
    yield pool
    await pool.close()


@pytest.fixture
async def tenant(pool):
    tenant_id = f"t-{uuid.uuid4().hex[:12]}"
    yield tenant_id
    await pool.execute("DELETE FROM webhook_endpoints WHERE tenant_id = $1", tenant_id)


def event(tenant_id: str, video_id: str = "v1", kind: str = "video.completed") -> WebhookEvent:
    payload = {"type": kind, "timestamp": "2025-06-01T12:00:00.000Z",
               "data": {"video_id": video_id, "tenant_id": tenant_id}}
    return WebhookEvent(kind, f"{kind}:{video_id}", tenant_id, payload)


async def endpoint(pool, tenant_id: str, url: str, secret: str | None = None) -> Endpoint:
    from streams.webhooks.signing import new_secret

    async with pool.acquire() as conn:
        return await store.create_endpoint(conn, tenant_id, url, "test receiver", [], secret or new_secret())


async def enqueue(pool, e: WebhookEvent) -> list[str]:
    async with pool.acquire() as conn:
        return await store.enqueue(conn, e)


async def deliveries(pool, tenant_id: str) -> list[dict]:
    rows = await pool.fetch("SELECT * FROM webhook_deliveries WHERE tenant_id = $1 ORDER BY created_at", tenant_id)
    return [dict(r) for r in rows]


async def attempts(pool, delivery_id: str) -> list[dict]:
    rows = await pool.fetch("SELECT * FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt", delivery_id)
    return [dict(r) for r in rows]


async def dispatch_until(pool, stack, tenant_id: str, done, *, timeout: float = 10, workers: int = 1) -> None:
    """Run ``workers`` dispatchers for the tenant until ``await done()`` is true."""
    settings = stack.with_overrides(webhook_allowed_hosts="127.0.0.1", webhook_retry_schedule=SCHEDULE,
                                    webhook_timeout_seconds=3.0)
    stop = asyncio.Event()
    runs = [asyncio.create_task(Dispatcher(pool, settings, poll_seconds=0.05, tenant_id=tenant_id).run_forever(stop))
            for _ in range(workers)]
    try:
        deadline = time.monotonic() + timeout
        while not await done():
            assert time.monotonic() < deadline, "the dispatcher did not get there in time"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*runs)


def status_is(pool, tenant_id: str, *statuses: str):
    async def done() -> bool:
        rows = await deliveries(pool, tenant_id)
        return bool(rows) and all(r["status"] in statuses for r in rows)
    return done


async def test_retries_until_accepted_with_one_webhook_id_and_valid_signatures(pool, stack, tenant):
    answers = [500, 500, 500, 200]
    with LocalServer(lambda request, n: Answer(answers[min(n, 3)], b"nope" if n < 3 else b"")) as receiver:
        hook = await endpoint(pool, tenant, receiver.url("/hooks"))
        assert len(await enqueue(pool, event(tenant))) == 1
        assert await enqueue(pool, event(tenant)) == []  # a redelivered event: no second delivery
        await dispatch_until(pool, stack, tenant, status_is(pool, tenant, "delivered"))
    (delivery,) = await deliveries(pool, tenant)
    assert delivery["attempts"] == 4 and delivery["delivered_at"] is not None
    log = await attempts(pool, delivery["delivery_id"])
    assert [a["status_code"] for a in log] == [500, 500, 500, 200]
    assert log[0]["error"] == "HTTP 500: nope" and log[3]["error"] is None

    assert len(receiver.received) == 4
    assert {r.headers["webhook-id"] for r in receiver.received} == {delivery["msg_id"]}
    assert {r.body for r in receiver.received} == {body(event(tenant).payload)}
    verifier = Webhook(hook.current_secret)
    for request in receiver.received:
        assert request.method == "POST" and request.path == "/hooks"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"] == USER_AGENT
        assert verifier.verify(request.body, request.headers) == event(tenant).payload


async def test_a_410_disables_the_endpoint_and_its_pending_deliveries(pool, stack, tenant):
    with LocalServer(lambda request, n: Answer(410)) as receiver:
        hook = await endpoint(pool, tenant, receiver.url())
        (first,) = await enqueue(pool, event(tenant, "v1"))
        (later,) = await enqueue(pool, event(tenant, "v2"))
        await pool.execute("UPDATE webhook_deliveries SET next_attempt_at = now() + interval '1 hour'"
                           " WHERE delivery_id = $1", later)
        await dispatch_until(pool, stack, tenant, status_is(pool, tenant, "disabled"))
        assert await enqueue(pool, event(tenant, "v3")) == []  # a disabled endpoint gets nothing new
        await pool.execute("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE delivery_id = $1", later)
        await dispatch_until(pool, stack, tenant, lambda: asyncio.sleep(0.3, True))
    assert len(receiver.received) == 1
    async with pool.acquire() as conn:
        disabled = await store.endpoint(conn, tenant, hook.endpoint_id)
    assert disabled is not None and disabled.status == "disabled" and "410" in (disabled.disabled_reason or "")
    assert {d["delivery_id"]: d["status"] for d in await deliveries(pool, tenant)} == {
        first: "disabled", later: "disabled"}
    assert len(await attempts(pool, first)) == 1 and await attempts(pool, later) == []


async def test_retry_after_is_honoured_and_bounded(pool, stack, tenant):
    seen: list[float] = []

    def respond(request, n):
        seen.append(time.monotonic())
        if request.path == "/busy":
            return Answer(503, headers={"Retry-After": "1"}) if n == 0 else Answer(200)
        return Answer(429, headers={"Retry-After": "999999"})

    with LocalServer(respond) as receiver:
        await endpoint(pool, tenant, receiver.url("/busy"))
        await enqueue(pool, event(tenant))
        await dispatch_until(pool, stack, tenant, status_is(pool, tenant, "delivered"))
        assert len(seen) == 2 and seen[1] - seen[0] >= 0.9  # not the schedule's 0.1 s

        await pool.execute("DELETE FROM webhook_endpoints WHERE tenant_id = $1", tenant)
        await endpoint(pool, tenant, receiver.url("/flooded"))
        await enqueue(pool, event(tenant))

        async def one_attempt() -> bool:
            return all(d["attempts"] == 1 for d in await deliveries(pool, tenant))

        await dispatch_until(pool, stack, tenant, one_attempt)
    (delivery,) = await deliveries(pool, tenant)
    (attempt,) = await attempts(pool, delivery["delivery_id"])
    assert delivery["status"] == "pending" and delivery["last_status_code"] == 429
    wait = delivery["next_attempt_at"] - attempt["at"]
    assert timedelta(minutes=59) <= wait <= timedelta(minutes=61)  # capped at an hour, not 11 days


async def test_an_endpoint_on_a_private_address_is_refused_at_send_time(pool, stack, tenant):
    with LocalServer(lambda request, n: Answer(200)) as receiver:
        # "localhost" is not in the allowed hosts (only "127.0.0.1" is), as if its DNS had
        # changed to a private address after the endpoint was registered
        await endpoint(pool, tenant, receiver.url("/hooks", host="localhost"))
        await enqueue(pool, event(tenant))
        await dispatch_until(pool, stack, tenant, status_is(pool, tenant, "failed"))
    assert receiver.received == []
    (delivery,) = await deliveries(pool, tenant)
    log = await attempts(pool, delivery["delivery_id"])
    assert len(log) == 5 and all(a["status_code"] is None for a in log)
    assert all(a["error"].startswith("unsafe_url:") and "loopback" in a["error"] for a in log)


async def test_concurrent_dispatchers_send_each_delivery_once(pool, stack, tenant):
    with LocalServer(lambda request, n: Answer(204)) as receiver:
        await endpoint(pool, tenant, receiver.url())
        for i in range(12):
            await enqueue(pool, event(tenant, f"v{i}"))
        await dispatch_until(pool, stack, tenant, status_is(pool, tenant, "delivered"), workers=3)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 12


async def test_rows_are_isolated_by_tenant_under_the_app_role(pool, stack, tenant):
    await endpoint(pool, tenant, "https://example.com/hooks")
    await enqueue(pool, event(tenant))
    app_pool = await asyncpg.create_pool(stack.postgres_app_dsn, min_size=1, max_size=2)
    try:
        async with tenant_connection(app_pool, tenant) as conn:
            assert await conn.fetchval("SELECT count(*) FROM webhook_endpoints") == 1
            assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries") == 1
        async with tenant_connection(app_pool, "someone-else") as conn:
            for table in ("webhook_endpoints", "webhook_deliveries", "webhook_attempts"):
                assert await conn.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id = $1", tenant) == 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with tenant_connection(app_pool, "someone-else") as conn:
                await store.create_endpoint(conn, tenant, "https://example.com/x", "", [], "whsec_x")
    finally:
        await app_pool.close()


async def _until(fetch, done, timeout: float = 10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await fetch()
        if done(value) or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.1)


async def test_the_agents_enqueue_each_occurrence_once(pool, stack, tenant, monkeypatch, tmp_path):
    from streams.worker import resources
    from streams.adapters.catalog import Catalog
    from streams.agents.webhooks import clip_webhooks, lifecycle_webhooks
    from streams.domain.envelope import SCHEMA_VERSION
    from streams.worker.records import ClipRendered, Lifecycle, to_payload

    # the agents' runtime, on the test's pool; nothing else of it is used
    monkeypatch.setattr(resources, "_runtime", resources.Runtime(
        settings=stack, catalog=Catalog(pool), storage=None, triton=None, scratch=tmp_path))
    await endpoint(pool, tenant, "https://example.com/hooks")
    envelope = {"schema_version": SCHEMA_VERSION, "tenant_id": tenant, "video_id": "v1",
                "produced_at": "2025-06-01T12:00:00.000Z"}

    def wire(record):  # the agents read bytes, as they arrive from Kafka, keyed by video id
        return {"key": record.video_id.encode(), "value": json.dumps(to_payload(record)).encode(), "wait": False}

    def types(rows):
        return sorted(r["event_type"] for r in rows)

    ids = {name: uuid.uuid4().hex for name in ("e1", "e2", "e3", "e4", "e5")}

    # put(wait=True) waits for a stream event Faust does not signal to agents that iterate
    # stream.events(), so each context puts without waiting and then waits for the effect of its
    # last message: one agent handles its messages in order, so every earlier one was handled too.
    async with lifecycle_webhooks.test_context() as agent:
        await agent.put(**wire(Lifecycle(**envelope, event_id=ids["e1"], stage="transcribe", status="progress",
                                         progress=0.5)))
        await agent.put(**wire(Lifecycle(**envelope, event_id=ids["e2"], stage="video", status="finished")))
        await agent.put(**wire(Lifecycle(**envelope, event_id=ids["e3"], stage="video", status="finished")))  # again
        await agent.put(**wire(Lifecycle(**{**envelope, "video_id": "v2"}, event_id=ids["e5"], stage="video",
                                         status="failed", error_code="not_media", reason="not a video")))
        await _until(lambda: deliveries(pool, tenant), lambda rows: "video.failed" in types(rows))
    async with clip_webhooks.test_context() as agent:
        await agent.put(**wire(ClipRendered(
            **envelope, event_id=ids["e4"], clip_id="c1", moment_id="m1", rank=1, aspect="9:16", start=1.0, end=21.0,
            duration=20.0, mp4_uri="s3://b/c1.mp4", srt_uri="s3://b/c1.srt", vtt_uri="s3://b/c1.vtt",
            thumbnail_uri="s3://b/c1.jpg")))
        # Leaving the context cancels an enqueue still in flight: wait for its row first.
        await _until(lambda: deliveries(pool, tenant), lambda rows: "clip.rendered" in types(rows))
    rows = await deliveries(pool, tenant)
    assert types(rows) == ["clip.rendered", "video.completed", "video.failed"]
