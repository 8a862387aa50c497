"""``/v1/webhooks`` through ASGI on the stack's PostgreSQL, as the API's role (row-level
security on). The caller is set the way ``api.auth`` sets it (``request.state.principal``), so
these tests exercise the routes, not key handling."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from api import webhooks
from api.bodies import documented_fields
from api.errors import HANDLERS
from streams.tenancy import Principal
from tests.documented import assert_documented

pytestmark = pytest.mark.integration


class FakeKeys:
    """Stands in for the API key middleware: ``X-Test-Caller: <tenant>/<scope>``."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        caller = dict(scope["headers"]).get(b"x-test-caller", b"").decode()
        if caller:
            tenant_id, role = caller.split("/")
            scope.setdefault("state", {})["principal"] = Principal(tenant_id=tenant_id, key_id="k", scope=role)
        await self.app(scope, receive, send)


@pytest.fixture
async def api(stack):
    pool = await asyncpg.create_pool(stack.postgres_app_dsn, min_size=1, max_size=4)
    app = Starlette(routes=webhooks.routes, exception_handlers=HANDLERS)
    app.add_middleware(FakeKeys)
    app.state.db = pool
    app.state.settings = stack.with_overrides(webhook_allowed_hosts="127.0.0.1")
    app.state.body_fields = documented_fields(app.routes)  # as create_app sets it
    tenants = [f"t-{uuid.uuid4().hex[:12]}" for _ in range(2)]

    def client(tenant: int = 0, role: str = "admin") -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api",
                                 headers={"X-Test-Caller": f"{tenants[tenant]}/{role}"})

    yield client
    owner = await asyncpg.connect(stack.postgres_dsn)
    await owner.execute("DELETE FROM webhook_endpoints WHERE tenant_id = ANY($1::text[])", tenants)
    await owner.close()
    await pool.close()


async def create(client, **fields) -> httpx.Response:
    return await client.post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/hooks", **fields})


async def test_create_shows_the_secret_once_and_reads_never_do(api):
    async with api() as client:
        created = await create(client, description="crm", event_types=["clip.rendered", "video.failed"])
        assert created.status_code == 201
        hook = created.json()
        assert hook["secret"].startswith("whsec_") and hook["status"] == "enabled"
        assert hook["event_types"] == ["clip.rendered", "video.failed"]
        got = (await client.get(f"/v1/webhooks/endpoints/{hook['endpoint_id']}")).json()
        listed = (await client.get("/v1/webhooks/endpoints")).json()
    assert "secret" not in got and got["description"] == "crm"
    assert [e["endpoint_id"] for e in listed["endpoints"]] == [hook["endpoint_id"]]
    assert "secret" not in listed["endpoints"][0] and hook["secret"] not in str(listed)


@pytest.mark.parametrize("fields,status,code", [
    ({"url": "http://169.254.169.254/latest"}, 422, "unsafe_url"),
    ({"url": "http://localhost:9/hooks"}, 422, "unsafe_url"),
    ({"url": "ftp://example.com/x"}, 422, "unsafe_url"),
    ({"url": None}, 422, "invalid_body"),
    ({"event_types": ["video.exploded"]}, 422, "invalid_event_types"),
    ({"description": "x" * 501}, 422, "invalid_body"),
])
async def test_bad_endpoints_are_refused(api, fields, status, code):
    async with api() as client:
        response = await create(client, **fields)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


async def test_scopes_and_tenants(api):
    async with api(0) as owner, api(0, "read") as reader, api(1) as stranger:
        hook = (await create(owner)).json()
        path = f"/v1/webhooks/endpoints/{hook['endpoint_id']}"
        assert (await create(reader)).status_code == 403
        assert (await reader.get(path)).status_code == 200
        assert (await reader.delete(path)).status_code == 403
        for method in ("GET", "DELETE"):
            response = await stranger.request(method, path)
            assert (response.status_code, response.json()["error"]["code"]) == (404, "endpoint_not_found")
        assert (await stranger.patch(path, json={"description": "mine"})).status_code == 404
        assert (await stranger.get(f"{path}/deliveries")).status_code == 404
        assert (await stranger.get("/v1/webhooks/endpoints")).json()["endpoints"] == []


async def test_update_and_delete(api):
    async with api() as client:
        hook = (await create(client)).json()
        path = f"/v1/webhooks/endpoints/{hook['endpoint_id']}"
        changed = await client.patch(path, json={"description": "new", "event_types": [], "status": "disabled"})
        assert changed.status_code == 200
        assert (changed.json()["description"], changed.json()["status"]) == ("new", "disabled")
        assert (await client.patch(path, json={"url": "http://10.0.0.1/"})).json()["error"]["code"] == "unsafe_url"
        assert (await client.patch(path, json={"status": "enabled"})).json()["disabled_reason"] is None
        assert (await client.delete(path)).status_code == 204
        assert (await client.get(path)).status_code == 404


async def test_rotation_keeps_the_old_secret_valid_for_the_grace_period(api):
    async with api() as client:
        hook = (await create(client)).json()
        path = f"/v1/webhooks/endpoints/{hook['endpoint_id']}"
        rotated = (await client.post(f"{path}/rotate-secret", json={"grace_seconds": 3600})).json()
        assert rotated["secret"] != hook["secret"]
        assert [s["expires_at"] is None for s in rotated["secrets"]] == [True, False]
        bad = await client.post(f"{path}/rotate-secret", json={"grace_seconds": -1})
        assert bad.status_code == 422


async def test_test_event_delivery_log_pagination_and_replay(api):
    async with api() as client, api(0, "write") as writer:
        hook = (await create(client)).json()
        path = f"/v1/webhooks/endpoints/{hook['endpoint_id']}"
        sent = [await writer.post(f"{path}/test") for _ in range(3)]
        assert all(r.status_code == 202 for r in sent)
        assert sent[0].json()["event_type"] == "webhook.test" and sent[0].json()["status"] == "pending"
        first = (await client.get(f"{path}/deliveries?limit=2")).json()
        assert len(first["deliveries"]) == 2 and first["has_more"]
        rest = (await client.get(f"{path}/deliveries?limit=2&cursor={first['next_cursor']}")).json()
        assert len(rest["deliveries"]) == 1 and not rest["has_more"]
        ids = [d["delivery_id"] for d in first["deliveries"] + rest["deliveries"]]
        assert sorted(ids) == sorted(r.json()["delivery_id"] for r in sent)
        for delivery in first["deliveries"]:
            assert_documented(delivery, "WebhookDelivery")  # its payload one of the document's webhooks

        replayed = await writer.post(f"/v1/webhooks/deliveries/{ids[0]}/replay")
        assert replayed.status_code == 202 and replayed.json()["status"] == "pending"
        assert replayed.json()["webhook_id"] == next(r.json() for r in sent if r.json()["delivery_id"] == ids[0])["webhook_id"]
        assert (await writer.post("/v1/webhooks/deliveries/dlv_nope/replay")).status_code == 404
        await client.patch(path, json={"status": "disabled"})
        refused = await writer.post(f"/v1/webhooks/deliveries/{ids[0]}/replay")
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "endpoint_disabled")
        assert {d["status"] for d in (await client.get(f"{path}/deliveries")).json()["deliveries"]} == {"disabled"}

