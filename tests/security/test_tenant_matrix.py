"""Tenant x route: another tenant's key gets 404 on every route that takes an id (generated from the
app's routes, so a new route is in the matrix or the test says which id it lacks), and through
every option that names a stored object (``api.options.STORED_OBJECT_OPTIONS``)."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from starlette.routing import Route

from api.app import create_app
from api.options import STORED_OBJECT_OPTIONS
from streams import tenancy
from streams.adapters import pending_uploads
from streams.adapters.storage import FileStorage, open_storage
from streams.domain.clip import CLIP_DOWNLOADS
from tests.owner import as_owner

pytestmark = pytest.mark.integration


class _Patient(httpx.HTTPTransport):
    """Waits out the API's rate limit (429, ``Retry-After``) and asks again: the matrix walks every
    route with one key, faster than the limit allows on a quiet machine, and what it checks is
    which tenant sees what, not the limiter (``tests/pipeline/test_tenancy`` checks that)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(20):
            response = super().handle_request(request)
            if response.status_code != 429:
                return response
            response.read()
            response.close()
            time.sleep(min(5.0, float(response.headers.get("Retry-After") or 1)))
        return response


def _client(pipeline, key: str) -> httpx.Client:
    return httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers={"Authorization": f"Bearer {key}"},
                        transport=_Patient())


def _ids(pipeline, tenant_a) -> dict[str, str]:
    """Tenant A's id for every path parameter a route can have."""
    admin = as_owner(pipeline.settings, lambda pool: tenancy.create_key(pool, pipeline.tenant_id, "admin")).key
    with _client(pipeline, admin) as a:
        key_id = a.get("/v1/keys").json()["keys"][0]["key_id"]
        ids = {"video_id": tenant_a["video_id"], "clip_id": tenant_a["clip_id"], "key_id": key_id,
               "asset_id": tenant_a["asset_id"]}
        # A public address literal: the private-address guard passes it without DNS (none here).
        endpoint = a.post("/v1/webhooks/endpoints", json={"url": "https://93.184.216.34/hook"})
        assert endpoint.status_code == 201, endpoint.text
        ids["endpoint_id"] = endpoint.json()["endpoint_id"]
        delivery = a.post(f"/v1/webhooks/endpoints/{ids['endpoint_id']}/test")
        assert delivery.status_code == 202, delivery.text
        ids["delivery_id"] = delivery.json()["delivery_id"]
        ids["tenant_id"] = pipeline.tenant_id
        ids["speaker"] = "S1"  # a label; tenant B cannot see the video it would be of
    # The session's API keeps media on local disk (no presigned uploads), so A's pending upload is
    # recorded as POST /v1/uploads would record it on S3.
    upload_id = uuid.uuid4().hex
    as_owner(pipeline.settings, lambda pool: pending_uploads.create(
        pool, pipeline.tenant_id, upload_id, f"tenants/{pipeline.tenant_id}/videos/{upload_id}/source.mp4",
        "a.mp4", 1000, {}, timedelta(minutes=15)))
    ids["upload_id"] = upload_id
    # A member of A: the local stack's owner.
    ids["user_id"] = as_owner(pipeline.settings, lambda pool: pool.fetchval(
        "SELECT user_id FROM memberships WHERE tenant_id = $1 ORDER BY created_at LIMIT 1", pipeline.tenant_id))
    # A's platform account and a post of A's clip to it (made as the publisher's tables hold them:
    # the session stack has publishing off, so not through the API).
    ids["account_id"], ids["post_id"] = as_owner(pipeline.settings, lambda pool: _account_and_post(pool, pipeline, tenant_a))
    return ids


async def _account_and_post(pool, pipeline, tenant_a) -> tuple[str, str]:
    from datetime import UTC, datetime

    from streams.publish import store
    from streams.publish.platform import PostRequest

    async with pool.acquire() as conn:
        account = await store.add_account(conn, pipeline.tenant_id, "youtube", "A's channel", b"sealed elsewhere")
        post = await store.create_post(conn, pipeline.tenant_id, tenant_a["clip_id"], account.account_id,
                                       PostRequest("A's post"), datetime.now(UTC).replace(year=2099))
    return account.account_id, post.post_id


def test_tenant_b_gets_404_on_every_route_with_tenant_a_ids(pipeline, tenant_a, tenant_b):
    ids = _ids(pipeline, tenant_a)
    routes = [r for r in create_app(pipeline.settings).routes if isinstance(r, Route)]
    checked = []
    with _client(pipeline, tenant_b["key"]) as b:
        for route in routes:
            params = re.findall(r"{(\w+)(?::\w+)?}", route.path)
            # Reset and invitation links are secrets of their own, whoever sends them (test_sessions,
            # test_members).
            if not params or route.path.startswith(("/v1/admin/", "/v1/password-resets/", "/v1/invitations/")):
                continue
            missing = [p for p in params if p not in ids]
            assert not missing, f"{route.path}: the matrix has no tenant-A id for {missing}; add one to _ids()"
            path = route.path
            for p in params:
                path = re.sub(r"{" + p + r"(?::\w+)?}", ids[p], path)
            for method in sorted(route.methods - {"HEAD"}):
                # An empty body is valid for every write route here, so only the id decides.
                response = b.request(method, path, json={} if method in ("POST", "PATCH", "PUT") else None)
                assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text[:200]}"
                assert response.json()["error"]["code"].endswith("not_found")
                checked.append(f"{method} {route.path}")
        # Every file a download may name, the cover art's included: A's clip is not found, before
        # any file is looked for (a file_not_found would tell B the clip exists).
        for kind in CLIP_DOWNLOADS:
            response = b.get(f"/v1/clips/{ids['clip_id']}/download", params={"file": kind})
            assert (response.status_code, response.json()["error"]["code"]) == (404, "clip_not_found"), kind
        # Routes that take A's id in the body, not the path.
        made = b.post("/v1/clips", json={"video_id": tenant_a["video_id"], "start": 0, "end": 5})
        assert made.status_code == 404 and made.json()["error"]["code"] == "video_not_found"
        # Lists and the library show B nothing of A's. B may have videos of its own from other
        # tests (the same jfk.wav among them), so what B sees is compared with what B owns.
        listed = b.get("/v1/videos", params={"limit": 100}).json()
        assert not listed["has_more"]
        own = {v["video_id"] for v in listed["videos"]}
        assert tenant_a["video_id"] not in own
        found = {h["video_id"] for h in b.get("/v1/search", params={"q": "country"}).json()["hits"]}
        assert tenant_a["video_id"] not in found and found <= own, (found, own)
        # The report is counted from events, so it may lag B's list, never pass it.
        report = b.get("/v1/analytics")
        assert report.status_code == 200, report.text
        assert report.json()["videos"] <= len(own)
        assert all(k["key_id"] != ids["key_id"] for k in b.get("/v1/keys").json()["keys"])
        assert all(a["asset_id"] != ids["asset_id"] for a in b.get("/v1/brand/assets").json()["assets"])
        assert all(a["account_id"] != ids["account_id"] for a in b.get("/v1/accounts").json()["accounts"])
        assert all(p["post_id"] != ids["post_id"] for p in b.get("/v1/posts").json()["posts"])
        # a post to A's account from B's side (the body names A's account): 404, nothing made
        assert b.post(f"/v1/clips/{ids['clip_id']}/posts", json={"account_id": ids["account_id"]}).status_code == 404
    assert len(checked) >= 15, checked
    assert {"GET /v1/brand/assets/{asset_id}", "GET /v1/brand/assets/{asset_id}/image"} <= set(checked)


def _nested(path: tuple[str, ...], value: str) -> dict:
    options: dict = {}
    inner = options
    for part in path[:-1]:
        inner = inner.setdefault(part, {})
    inner[path[-1]] = value
    return options


@pytest.mark.parametrize("option", sorted(STORED_OBJECT_OPTIONS), ids=".".join)
def test_an_option_naming_another_tenants_object_is_a_404_before_anything_is_stored(
        pipeline, tenant_a, tenant_b, media_dir, option):
    """Finding 1 of issue 47: B's video named A's stored file (A's clip thumbnail, by its file://
    URI) as its logo and the clip showed it. Options now name objects by id, and an id of another
    tenant's is a 404 on every way of submitting, before any byte is stored."""
    foreign = _nested(option, tenant_a[STORED_OBJECT_OPTIONS[option]])
    storage = open_storage(pipeline.settings)
    assert isinstance(storage, FileStorage)
    before = set(storage.list(f"tenants/{tenant_b['tenant_id']}/"))
    with _client(pipeline, tenant_b["key"]) as b:
        listed = len(b.get("/v1/videos").json()["videos"])
        audio = (media_dir / "speech" / "jfk.wav").read_bytes()
        uploaded = b.post("/v1/videos", files={"file": ("jfk.wav", audio)}, data={"options": json.dumps(foreign)})
        by_url = b.post("/v1/videos", json={"source_url": "https://93.184.216.34/talk.mp4", "options": foreign})
        for answer in (uploaded, by_url):
            assert answer.status_code == 404, answer.text
            assert answer.json()["error"]["code"] == "brand_asset_not_found"
        # The finding itself: a storage URI of A's file is no option at all.
        thumbnail = storage.uri(f"tenants/{pipeline.tenant_id}/videos/{tenant_a['video_id']}/clips/"
                                f"{tenant_a['clip_id']}.jpg")
        by_uri = b.post("/v1/videos", files={"file": ("jfk.wav", audio)},
                        data={"options": json.dumps({"brand": {"logo_uri": thumbnail}})})
        assert by_uri.status_code == 422 and by_uri.json()["error"]["code"] == "invalid_options", by_uri.text
        assert str(pipeline.settings.data_dir) not in by_uri.text
        assert len(b.get("/v1/videos").json()["videos"]) == listed
    assert set(storage.list(f"tenants/{tenant_b['tenant_id']}/")) == before
