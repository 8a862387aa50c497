"""Tenants never see each other (the tenant x route matrix is tests/security/test_tenant_matrix.py): row-level
security forced on every tenant table, scopes, key revocation, signed links, rate limits, body
limits and Idempotency-Key semantics -- against the real API and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid

import asyncpg
import httpx
import pytest

from streams import tenancy
from streams.adapters.db import APP_ROLE
from streams.settings import project_root
from tests.owner import as_owner

pytestmark = pytest.mark.integration

# Tables that hold no tenant's data.
GLOBAL_TABLES = {"schema_migrations"}


def _key(settings, tenant_id: str, scope: str) -> str:
    return as_owner(settings, lambda pool: tenancy.create_key(pool, tenant_id, scope)).key


def _client(pipeline, key: str) -> httpx.Client:
    return httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers={"Authorization": f"Bearer {key}"})


async def test_row_level_security_is_forced_on_every_tenant_table(stack):
    conn = await asyncpg.connect(stack.postgres_dsn)
    try:
        tables = await conn.fetch(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")
        policies = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_policies WHERE schemaname = 'public'")}
        app_role = await conn.fetchrow("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", APP_ROLE)
    finally:
        await conn.close()
    tenant_tables = [t for t in tables if t["relname"] not in GLOBAL_TABLES]
    assert len(tenant_tables) >= 8
    unprotected = [t["relname"] for t in tenant_tables if not (t["relrowsecurity"] and t["relforcerowsecurity"])]
    assert unprotected == [], f"tables without FORCE ROW LEVEL SECURITY: {unprotected}"
    assert [t["relname"] for t in tenant_tables if t["relname"] not in policies] == []
    assert all(t["owner"] != APP_ROLE for t in tables)
    assert app_role is not None and not app_role["rolsuper"] and not app_role["rolbypassrls"]
    assert stack.postgres_app_dsn.split("//", 1)[1].startswith(f"{APP_ROLE}@")


async def test_the_application_role_sees_no_rows_without_a_tenant_and_cannot_write_across(stack, tenant_a):
    conn = await asyncpg.connect(stack.postgres_app_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM videos") == 0
        assert await conn.fetchval("SELECT count(*) FROM api_keys") == 0
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', 'someone-else', true)")
            assert await conn.fetchval("SELECT count(*) FROM clips") == 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(
                    "INSERT INTO videos (video_id, tenant_id, filename, source_uri, size_bytes)"
                    " VALUES ('x-cross', 'default', 'f', 'u', 1)")
    finally:
        await conn.close()


def test_a_signed_link_opens_one_url_of_its_tenant_only(pipeline, tenant_a):
    clip_mp4 = tenant_a["clip"]["urls"]["mp4"]
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=30) as anonymous:
        ok = anonymous.get(clip_mp4)
        assert ok.status_code == 200 and ok.headers["content-type"] == "video/mp4" and len(ok.content) > 10_000
        path, _, query = clip_mp4.partition("?")
        elsewhere = anonymous.get(f"/v1/videos/{tenant_a['video_id']}?{query.split('&')[-1]}")
        assert elsewhere.status_code == 403 and elsewhere.json()["error"]["code"] == "link_invalid"
        tampered = anonymous.get(clip_mp4.replace("file=mp4", "file=srt"))
        assert tampered.status_code == 403 and tampered.json()["error"]["code"] == "link_invalid"
        source = pipeline.client.video(tenant_a["video_id"])["urls"]["source"]  # a fresh link (signed for 15 min)
        assert anonymous.get(source).status_code == 200


def test_scopes_and_revoked_keys(pipeline, tenant_b):
    read_key = _key(pipeline.settings, tenant_b["tenant_id"], "read")
    write_key = _key(pipeline.settings, tenant_b["tenant_id"], "write")
    doomed = _key(pipeline.settings, tenant_b["tenant_id"], "read")
    with _client(pipeline, read_key) as reader, _client(pipeline, write_key) as writer, \
            _client(pipeline, tenant_b["key"]) as admin:
        assert reader.get("/v1/videos").status_code == 200
        refused = reader.post("/v1/videos", files={"file": ("a.wav", b"RIFF")})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert writer.get("/v1/keys").status_code == 403
        doomed_id = tenancy.key_id_of(doomed)
        assert admin.delete(f"/v1/keys/{doomed_id}").json()["revoked_at"] is not None
    with _client(pipeline, doomed) as revoked:
        response = revoked.get("/v1/videos")
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_keys_are_stored_hashed_and_shown_once(pipeline, tenant_b):
    with _client(pipeline, tenant_b["key"]) as admin:
        made = admin.post("/v1/keys", json={"scope": "read", "name": "dashboard"}).json()
        listed = admin.get("/v1/keys").json()["keys"]
    assert made["key"].startswith(made["prefix"] + "_")
    shown = next(k for k in listed if k["key_id"] == made["key_id"])
    assert "key" not in shown and shown["prefix"] == made["prefix"] and shown["scope"] == "read"

    async def stored():
        conn = await asyncpg.connect(pipeline.settings.postgres_dsn)
        try:
            return await conn.fetchrow("SELECT * FROM api_keys WHERE key_id = $1", made["key_id"])
        finally:
            await conn.close()

    row = asyncio.run(stored())
    assert made["key"].encode() not in bytes(row["secret_hash"]) and len(row["secret_hash"]) == 32
    assert bytes(row["secret_hash"]) == tenancy.hash_key(made["key"])


def test_an_operator_makes_a_tenant_and_keys_with_the_cli_and_they_work(pipeline):
    env = {**os.environ, **pipeline.settings.as_env()}

    def cli(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "streams.cli", *args], env=env, cwd=project_root(),
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done

    made = json.loads(cli("tenants", "create", "cli tenant", "--json").stdout)
    assert made["tenant_id"].startswith("ten_") and made["name"] == "cli tenant"
    assert made["created_at"].endswith("Z") and made["api_key"]["scope"] == "admin"
    assert made["api_key"]["tenant_id"] == made["tenant_id"]
    said = cli("keys", "create", "--tenant", made["tenant_id"], "--scope", "read", "--name", "reports").stdout
    (read_key,) = re.findall(r"^key\s+(csk_\S+)$", said, re.MULTILINE)
    assert "scope read" in said and "shown once" in said
    with _client(pipeline, made["api_key"]["key"]) as admin:
        listed = admin.get("/v1/keys").json()["keys"]
        assert admin.get("/v1/me").json()["tenant_id"] == made["tenant_id"]
    assert [(k["name"], k["scope"], k["revoked_at"]) for k in listed] == [
        ("first admin key", "admin", None), ("reports", "read", None)]
    with _client(pipeline, read_key) as reader:
        assert reader.get("/v1/videos").status_code == 200
        assert reader.post("/v1/keys", json={"scope": "read"}).status_code == 403


def test_idempotency_key_replays_refuses_other_parameters_and_isolates_tenants(pipeline, tenant_b):
    same, bad_key = f"same-{uuid.uuid4().hex}", f"bad-{uuid.uuid4().hex}"
    with _client(pipeline, tenant_b["key"]) as b:
        first = b.post("/v1/keys", json={"scope": "read"}, headers={"Idempotency-Key": same})
        again = b.post("/v1/keys", json={"scope": "read"}, headers={"Idempotency-Key": same})
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        other = b.post("/v1/keys", json={"scope": "write"}, headers={"Idempotency-Key": same})
        assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
        # An error is stored and replayed as well.
        bad = b.post("/v1/keys", json={"scope": "root"}, headers={"Idempotency-Key": bad_key})
        bad_again = b.post("/v1/keys", json={"scope": "root"}, headers={"Idempotency-Key": bad_key})
        assert bad.status_code == bad_again.status_code == 422
        assert bad_again.headers["idempotent-replayed"] == "true" and bad_again.json() == bad.json()
        keys = [k for k in b.get("/v1/keys").json()["keys"] if k["key_id"] == first.json()["key_id"]]
        assert len(keys) == 1
    with _client(pipeline, _key(pipeline.settings, pipeline.tenant_id, "admin")) as a:
        fresh = a.post("/v1/keys", json={"scope": "read"}, headers={"Idempotency-Key": same})
        assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers


def test_a_retry_while_the_first_request_runs_gets_409(pipeline, tenant_b, media_dir):
    """A slow upload holds its key; the same key meanwhile is refused with 409, and afterwards the
    stored 202 is replayed: one video, not two."""
    key = _key(pipeline.settings, tenant_b["tenant_id"], "write")
    audio = (media_dir / "speech" / "jfk.wav").read_bytes()
    boundary = "x" * 24
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"jfk.wav\"\r\n"
            "Content-Type: audio/wav\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = head + audio + tail
    started = threading.Event()

    def slow():
        yield body[:1000]
        started.set()
        time.sleep(3)
        yield body[1000:]

    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": f"upload-{uuid.uuid4().hex}",
               "Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(len(body))}
    result = {}

    def upload():
        with httpx.Client(base_url=pipeline.settings.api_url, timeout=60) as c:
            result["first"] = c.post("/v1/videos", content=slow(), headers=headers)

    thread = threading.Thread(target=upload)
    thread.start()
    assert started.wait(10)
    time.sleep(0.5)
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60) as c:
        during = c.post("/v1/videos", content=body, headers=headers)
        thread.join(30)
        after = c.post("/v1/videos", content=body, headers=headers)
    assert during.status_code == 409 and during.json()["error"]["code"] == "idempotency_key_in_use"
    assert result["first"].status_code == 202
    assert after.status_code == 202 and after.json()["video_id"] == result["first"].json()["video_id"]


def test_rate_limit_answers_429_with_retry_after(pipeline, tenant_b):
    key = _key(pipeline.settings, tenant_b["tenant_id"], "read")
    burst = pipeline.settings.rate_limit_burst
    with _client(pipeline, key) as c:
        statuses = [c.get("/v1/me") for _ in range(burst + 20)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, "no 429 after a burst over the limit"
    assert all(int(r.headers["retry-after"]) >= 1 for r in limited)
    assert limited[0].json()["error"]["code"] == "rate_limited"
    assert sum(r.status_code == 200 for r in statuses) >= burst


def test_body_limits(pipeline, tenant_b):
    with _client(pipeline, tenant_b["key"]) as b:
        big = b.post("/v1/keys", content=b"{" + b" " * (pipeline.settings.max_body_bytes + 10) + b"}",
                     headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"

        def chunked():
            for _ in range(pipeline.settings.max_body_bytes // 65536 + 2):
                yield b" " * 65536

        streamed = b.post("/v1/keys", content=chunked(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
