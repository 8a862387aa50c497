"""People signing in (issue 53), against the running API and PostgreSQL: a password opens a session
named by an HttpOnly, SameSite=Strict cookie; a signed-in request that changes anything needs the
session's CSRF token and the API's own origin; a role is the scope it maps onto on every route
(generated from the declarations); sign-out, idleness and the absolute limit end a session on the
server; 20 wrong passwords are throttled; a reset link works once; an API key of a member who left
stops working; ``clipstream users create`` gives a person a way in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from contextlib import closing

import httpx
import pytest

from streams import tenancy
from streams.people import passwords, store
from streams.people.roles import ROLES, scope_of
from streams.settings import project_root
from streams.tenancy import SCOPES
from tests.owner import as_owner, new_tenant
from tests.security.test_scope_matrix import _declared, _filled

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def workspace(pipeline) -> dict:
    tenant_id, key = new_tenant(pipeline.settings, f"people {uuid.uuid4().hex[:6]}")
    return {"tenant_id": tenant_id, "key": key}


def person(settings, tenant_id: str, role: str, password: str = PASSWORD) -> str:
    """A new person, a member of the workspace with ``role``; their email."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"

    async def make(pool):
        async with pool.acquire() as conn:
            user = await store.create_user(conn, email, role.title(), passwords.hash_password(password))
            await store.add_member(conn, tenant_id, user.user_id, role)

    as_owner(settings, make)
    return email


def signed_in(settings, email: str, password: str = PASSWORD) -> tuple[httpx.Client, dict]:
    """A browser-like client with the session's cookie, and the session."""
    client = httpx.Client(base_url=settings.api_url, timeout=60)
    answer = client.post("/v1/session", json={"email": email, "password": password})
    assert answer.status_code == 201, answer.text
    return client, answer.json()


def test_a_password_opens_a_session_whose_cookie_is_httponly_and_whose_changes_need_the_csrf_token(
        pipeline, workspace):
    settings = pipeline.settings
    email = person(settings, workspace["tenant_id"], "admin")
    client, session = signed_in(settings, email)
    with closing(client):
        again = httpx.post(settings.api_url + "/v1/session", json={"email": email, "password": PASSWORD})
        cookie = next(v for k, v in again.headers.multi_items() if k == "set-cookie")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/" in cookie
        assert session["role"] == "admin" and session["workspace"]["tenant_id"] == workspace["tenant_id"]
        assert "cses_" not in str(session)  # the cookie's value is never in a body
        assert client.get("/v1/videos").status_code == 200  # the cookie alone reads
        mine = client.get("/v1/session").json()
        assert (mine["role"], mine["csrf_token"]) == ("admin", session["csrf_token"])

        target = f"/v1/videos/{uuid.uuid4().hex}"
        forged = client.delete(target)  # what a page elsewhere could make the browser send
        assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
        elsewhere = client.delete(target, headers={"X-CSRF-Token": session["csrf_token"],
                                                   "Origin": "https://evil.example"})
        assert elsewhere.status_code == 403 and elsewhere.json()["error"]["code"] == "csrf_failed"
        wrong = client.delete(target, headers={"X-CSRF-Token": "not-the-token"})
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "csrf_failed"
        own = client.delete(target, headers={"X-CSRF-Token": session["csrf_token"], "Origin": settings.api_url})
        assert own.status_code == 404, own.text  # past the guard: there is no such video

    with httpx.Client(base_url=settings.api_url, timeout=60) as stranger:
        wrong = stranger.post("/v1/session", json={"email": email, "password": "not the password at all"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_credentials"
        nobody = stranger.post("/v1/session", json={"email": "nobody@example.org", "password": PASSWORD})
        assert nobody.status_code == 401 and nobody.json()["error"]["code"] == "invalid_credentials"


def test_each_role_gets_403_on_every_route_that_needs_more(pipeline, workspace):
    settings = pipeline.settings
    sessions = {role: signed_in(settings, person(settings, workspace["tenant_id"], role)) for role in ROLES}
    checked = []
    try:
        for method, path, needed, _ in _declared(settings):
            for role, (client, session) in sessions.items():
                if SCOPES.index(scope_of(role)) >= SCOPES.index(needed):
                    continue
                body = {} if method in ("POST", "PATCH", "PUT") else None
                answer = client.request(method, _filled(path), json=body,
                                        headers={"X-CSRF-Token": session["csrf_token"]})
                assert answer.status_code == 403, f"{role}, {method} {path}: {answer.status_code} {answer.text[:200]}"
                assert answer.json()["error"]["code"] == "forbidden"
                checked.append((role, method, path))
    finally:
        for client, _ in sessions.values():
            client.close()
    # a viewer can neither delete a video nor publish a clip; an editor publishes but cannot delete
    assert ("viewer", "DELETE", "/v1/videos/{video_id}") in checked
    assert ("viewer", "POST", "/v1/clips/{clip_id}/posts") in checked
    assert ("editor", "DELETE", "/v1/videos/{video_id}") in checked
    assert ("editor", "POST", "/v1/clips/{clip_id}/posts") not in checked
    assert {r for r, _, _ in checked} == {"viewer", "editor"}


def _owner_sql(settings, sql: str, *args):
    async def run(pool):
        async with pool.acquire() as conn:
            return await conn.execute(sql, *args)

    return as_owner(settings, run)


def test_sign_out_idleness_and_the_absolute_limit_end_a_session_on_the_server(pipeline, workspace):
    settings = pipeline.settings
    email = person(settings, workspace["tenant_id"], "viewer")
    client, session = signed_in(settings, email)
    with closing(client):
        cookie = client.cookies.get("clipstream_session")
        assert client.delete("/v1/session", headers={"X-CSRF-Token": session["csrf_token"]}).status_code == 204
        assert client.cookies.get("clipstream_session") is None  # cleared in the browser
        replayed = httpx.get(settings.api_url + "/v1/videos", cookies={"clipstream_session": cookie})
        assert replayed.status_code == 401 and "sign in again" in replayed.json()["error"]["message"]

    for column, value in (("last_seen_at", "now() - interval '9 hours'"), ("expires_at", "now() - interval '1 second'")):
        client, _ = signed_in(settings, email)
        with closing(client):
            assert client.get("/v1/videos").status_code == 200
            user = as_owner(settings, lambda pool: pool.fetchval("SELECT user_id FROM users WHERE email = $1", email))
            _owner_sql(settings, f"UPDATE sessions SET {column} = {value} WHERE user_id = $1 AND ended_at IS NULL", user)
            assert client.get("/v1/videos").status_code == 401, column


def test_twenty_wrong_passwords_are_throttled_and_the_right_one_waits_too(pipeline, workspace):
    settings = pipeline.settings
    email = person(settings, workspace["tenant_id"], "editor")
    other = person(settings, workspace["tenant_id"], "editor")
    with httpx.Client(base_url=settings.api_url, timeout=60) as client:
        codes = [client.post("/v1/session", json={"email": email, "password": f"guess {i:02d} wrong"}).status_code
                 for i in range(20)]
        assert codes[: settings.sign_in_max_failures] == [401] * settings.sign_in_max_failures
        assert set(codes[settings.sign_in_max_failures:]) == {429}
        right = client.post("/v1/session", json={"email": email.upper(), "password": PASSWORD})
        assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
        assert client.post("/v1/session", json={"email": other, "password": PASSWORD}).status_code == 201


def test_a_reset_link_works_once_and_ends_the_persons_sessions(pipeline, workspace):
    settings = pipeline.settings
    email = person(settings, workspace["tenant_id"], "admin")
    client, _ = signed_in(settings, email)

    async def link(pool):
        async with pool.acquire() as conn:
            return await store.new_reset_link(conn, (await store.user_by_email(conn, email)).user_id, 3600)

    token = as_owner(settings, link)
    with closing(client), httpx.Client(base_url=settings.api_url, timeout=60) as anyone:
        short = anyone.post(f"/v1/password-resets/{token}", json={"password": "short"})
        assert short.status_code == 422 and short.json()["error"]["code"] == "weak_password"
        assert anyone.post(f"/v1/password-resets/{token}", json={"password": "a brand new passphrase"}).status_code == 204
        again = anyone.post(f"/v1/password-resets/{token}", json={"password": "yet another passphrase"})
        assert again.status_code == 404 and again.json()["error"]["code"] == "reset_link_invalid"
        assert client.get("/v1/videos").status_code == 401  # the old session ended with the reset
        assert anyone.post("/v1/session", json={"email": email, "password": PASSWORD}).status_code == 401
        assert anyone.post("/v1/session", json={"email": email, "password": "a brand new passphrase"}).status_code == 201


def test_an_api_key_of_a_member_who_leaves_stops_working(pipeline, workspace):
    settings = pipeline.settings
    email = person(settings, workspace["tenant_id"], "editor")
    issued = as_owner(settings, lambda pool: tenancy.create_key(pool, workspace["tenant_id"], "write", "mine"))
    user = as_owner(settings, lambda pool: pool.fetchval("SELECT user_id FROM users WHERE email = $1", email))
    _owner_sql(settings, "UPDATE api_keys SET user_id = $1 WHERE key_id = $2", user, issued.key_id)
    with httpx.Client(base_url=settings.api_url, timeout=60, headers={"Authorization": f"Bearer {issued.key}"}) as c:
        assert c.get("/v1/videos").status_code == 200
        session_client, _ = signed_in(settings, email)
        _owner_sql(settings, "DELETE FROM memberships WHERE user_id = $1", user)
        time.sleep(5.5)  # keys are remembered for up to five seconds (api.auth.CACHE_SECONDS)
        assert c.get("/v1/videos").status_code == 401
        with closing(session_client):
            assert session_client.get("/v1/videos").status_code == 401  # at once: sessions are not cached


def test_the_operator_command_makes_a_person_who_can_sign_in(pipeline, workspace):
    settings = pipeline.settings
    email = f"new-{uuid.uuid4().hex[:8]}@example.org"
    made = subprocess.run(
        [sys.executable, "-m", "streams.cli", "users", "create", email, "--tenant", workspace["tenant_id"],
         "--role", "viewer", "--name", "New Person"],
        cwd=project_root(), env={**os.environ, **settings.as_env()}, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    password = re.search(r"password (\S+)", made.stdout).group(1)
    client, session = signed_in(settings, email, password)
    client.close()
    assert session["role"] == "viewer" and session["user"]["email"] == email
    unknown = subprocess.run(
        [sys.executable, "-m", "streams.cli", "users", "create", "x@example.org", "--tenant", "ten_nope"],
        cwd=project_root(), env={**os.environ, **settings.as_env()}, capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "no tenant 'ten_nope'" in unknown.stderr


def test_the_local_stacks_owner_signs_in_with_the_password_its_stack_saved(pipeline):
    from streams.stack.credentials import saved, sign_in_line

    settings = pipeline.settings
    line = sign_in_line(settings)
    assert saved(settings, "web_email") in line and saved(settings, "web_password") in line
    client, session = signed_in(settings, saved(settings, "web_email"), saved(settings, "web_password"))
    client.close()
    assert session["role"] == "owner" and session["workspace"]["tenant_id"] == pipeline.tenant_id
    printed = subprocess.run([sys.executable, "-m", "streams.stack.credentials", "sign-in"], cwd=project_root(),
                             env={**os.environ, **settings.as_env()}, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0 and printed.stdout.strip() == line


def test_a_forgotten_password_is_reset_through_a_mailed_link_and_strangers_learn_nothing(pipeline, mailbox, workspace):
    settings = pipeline.settings
    email = person(settings, workspace["tenant_id"], "editor")
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    with httpx.Client(base_url=settings.api_url, timeout=60) as anyone:
        for _ in range(4):  # three links an hour at most; every answer the same
            assert anyone.post("/v1/password-resets", json={"email": email}).status_code == 202
        assert anyone.post("/v1/password-resets", json={"email": nobody}).status_code == 202
        deadline = time.monotonic() + 10
        while len(mailbox.to(email)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        assert len(mailbox.to(email)) == 3 and not mailbox.to(nobody)
        token = re.search(r"#reset=(crst_[\w-]+)", mailbox.to(email)[-1].get_content()).group(1)
        assert anyone.post(f"/v1/password-resets/{token}", json={"password": "my fresh passphrase"}).status_code == 204
        assert anyone.post(f"/v1/password-resets/{token}", json={"password": "again and again"}).status_code == 404
        assert anyone.post("/v1/session", json={"email": email, "password": "my fresh passphrase"}).status_code == 201
