"""A workspace's people (issue 53) against the running API, PostgreSQL and a real SMTP server
(aiosmtpd): an invitation is mailed, works once and makes a member with the role chosen; a person
who already has an account joins with their own password; only an owner touches owners and a
workspace keeps one; a member's own key does no more than their role; the audit log records each
action with its actor."""

from __future__ import annotations

import re
import time
import uuid
from contextlib import closing

import httpx
import pytest

from tests.owner import new_tenant
from tests.security.test_sessions import PASSWORD, person, signed_in

pytestmark = pytest.mark.integration


@pytest.fixture
def workspace(pipeline) -> dict:
    tenant_id, key = new_tenant(pipeline.settings, f"team {uuid.uuid4().hex[:6]}")
    http = httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers={"Authorization": f"Bearer {key}"})
    with http:
        yield {"tenant_id": tenant_id, "key": key, "http": http}


def _mailed_token(mailbox, email: str) -> str:
    deadline = time.monotonic() + 10
    while not mailbox.to(email) and time.monotonic() < deadline:
        time.sleep(0.1)
    [message] = mailbox.to(email)
    return re.search(r"#invitation=(cinv_[\w-]+)", message.get_content()).group(1)


def test_an_invitation_is_mailed_works_once_and_makes_a_member_with_its_role(pipeline, mailbox, workspace):
    settings, http = pipeline.settings, workspace["http"]
    email = f"invited-{uuid.uuid4().hex[:8]}@example.org"
    made = http.post("/v1/invitations", json={"email": email, "role": "viewer"})
    assert made.status_code == 201, made.text
    assert made.json()["sent"] is True and made.json()["link"] is None  # the link went by mail only
    [message] = mailbox.to(email) or [None]
    assert message is not None and "viewer" in message.get_content() and message["Subject"].startswith("You are")
    token = _mailed_token(mailbox, email)
    with httpx.Client(base_url=settings.api_url, timeout=60) as anyone:
        short = anyone.post(f"/v1/invitations/{token}/accept", json={"password": "short"})
        assert short.status_code == 422 and short.json()["error"]["code"] == "weak_password"
        joined = anyone.post(f"/v1/invitations/{token}/accept", json={"password": PASSWORD, "display_name": "Vi"})
        assert joined.status_code == 201, joined.text
        assert (joined.json()["role"], joined.json()["tenant_id"], joined.json()["email"]) == \
            ("viewer", workspace["tenant_id"], email)
        again = anyone.post(f"/v1/invitations/{token}/accept", json={"password": PASSWORD})
        assert again.status_code == 404 and again.json()["error"]["code"] == "invitation_invalid"
    client, session = signed_in(settings, email)
    with closing(client):
        assert session["role"] == "viewer"
        refused = client.delete(f"/v1/videos/{uuid.uuid4().hex}", headers={"X-CSRF-Token": session["csrf_token"]})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    members = http.get("/v1/members").json()["members"]
    assert [(m["email"], m["role"], m["display_name"]) for m in members] == [(email, "viewer", "Vi")]


def test_a_person_with_an_account_joins_with_their_own_password_and_a_link_no_mail_carried_is_shown(
        pipeline, mailbox, workspace):
    settings = pipeline.settings
    other_tenant, _ = new_tenant(settings, "elsewhere")
    email = person(settings, other_tenant, "editor")
    assert workspace["http"].post("/v1/invitations", json={"email": email, "role": "editor"}).json()["sent"]
    token = _mailed_token(mailbox, email)
    with httpx.Client(base_url=settings.api_url, timeout=60) as anyone:
        wrong = anyone.post(f"/v1/invitations/{token}/accept", json={"password": "not their password"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_credentials"
        assert anyone.post(f"/v1/invitations/{token}/accept", json={"password": PASSWORD}).status_code == 201
    client, session = signed_in(settings, email)
    client.close()
    assert {w["tenant_id"] for w in session["workspaces"]} == {other_tenant, workspace["tenant_id"]}

    # The mail server refuses the address: the admin gets the link to pass on, and it works.
    bounced = f"refused-{uuid.uuid4().hex[:8]}@example.org"
    made = workspace["http"].post("/v1/invitations", json={"email": bounced, "role": "viewer"}).json()
    assert made["sent"] is False and "#invitation=cinv_" in made["link"] and not mailbox.to(bounced)
    token = made["link"].split("#invitation=")[1]
    with httpx.Client(base_url=settings.api_url, timeout=60) as anyone:
        assert anyone.post(f"/v1/invitations/{token}/accept", json={"password": PASSWORD}).status_code == 201


def test_only_an_owner_touches_owners_and_a_workspace_keeps_one(pipeline, workspace):
    settings = pipeline.settings
    owner = person(settings, workspace["tenant_id"], "owner")
    admin = person(settings, workspace["tenant_id"], "admin")
    members = {m["email"]: m["user_id"] for m in workspace["http"].get("/v1/members").json()["members"]}
    client, session = signed_in(settings, admin)
    with closing(client):
        csrf = {"X-CSRF-Token": session["csrf_token"]}
        promote = client.patch(f"/v1/members/{members[admin]}", json={"role": "owner"}, headers=csrf)
        assert promote.status_code == 403
        assert client.delete(f"/v1/members/{members[owner]}", headers=csrf).status_code == 403
        assert client.post("/v1/invitations", json={"email": "o@example.org", "role": "owner"},
                           headers=csrf).status_code == 403
    client, session = signed_in(settings, owner)
    with closing(client):
        csrf = {"X-CSRF-Token": session["csrf_token"]}
        last = client.patch(f"/v1/members/{members[owner]}", json={"role": "admin"}, headers=csrf)
        assert last.status_code == 409 and last.json()["error"]["code"] == "last_owner"
        made = client.patch(f"/v1/members/{members[admin]}", json={"role": "owner"}, headers=csrf)
        assert made.status_code == 200 and made.json()["role"] == "owner"
        assert client.patch(f"/v1/members/{members[owner]}", json={"role": "viewer"}, headers=csrf).status_code == 200
        assert client.get("/v1/members").status_code == 403  # a viewer now: the session follows the role at once


def test_a_members_own_key_does_no_more_than_their_role_and_the_audit_log_names_every_actor(pipeline, workspace):
    settings, http = pipeline.settings, workspace["http"]
    email = person(settings, workspace["tenant_id"], "admin")
    members = {m["email"]: m["user_id"] for m in http.get("/v1/members").json()["members"]}
    client, session = signed_in(settings, email)
    with closing(client):
        csrf = {"X-CSRF-Token": session["csrf_token"]}
        issued = client.post("/v1/keys", json={"scope": "admin", "name": "mine"}, headers=csrf).json()
        assert issued["scope"] == "admin"
        listed = {k["key_id"]: k for k in http.get("/v1/keys").json()["keys"]}
        assert listed[issued["key_id"]]["user_id"] == members[email]  # whose it is
        assert listed[issued["key_id"]]["created_by"] == f"user:{members[email]}"  # who made it
        endpoint = client.post("/v1/webhooks/endpoints", json={"url": "https://93.184.216.34/hook"}, headers=csrf)
        assert endpoint.status_code == 201, endpoint.text
        assert client.delete(f"/v1/webhooks/endpoints/{endpoint.json()['endpoint_id']}", headers=csrf).status_code == 204
        assert client.delete("/v1/session", headers=csrf).status_code == 204
    with httpx.Client(base_url=settings.api_url, timeout=60, headers={"Authorization": f"Bearer {issued['key']}"}) as own:
        assert own.get("/v1/keys").status_code == 200  # an admin's key does an admin's work
        assert http.patch(f"/v1/members/{members[email]}", json={"role": "editor"}).status_code == 200
        time.sleep(5.5)  # keys are remembered for up to five seconds (api.auth.CACHE_SECONDS)
        assert own.get("/v1/keys").status_code == 403  # an editor's now: it writes, it no longer administers
        assert own.get("/v1/videos").status_code == 200
    revoked = http.delete(f"/v1/keys/{issued['key_id']}")
    assert revoked.status_code == 200
    service = http.post("/v1/keys", json={"scope": "read", "name": "nightly export"}).json()
    listed = {k["key_id"]: k for k in http.get("/v1/keys").json()["keys"]}
    admin_key_id = re.match(r"csk_([0-9a-f]{12})_", workspace["key"]).group(1)
    assert (listed[service["key_id"]]["user_id"], listed[service["key_id"]]["name"],
            listed[service["key_id"]]["created_by"]) == (None, "nightly export", f"key:{admin_key_id}")
    assert listed[admin_key_id]["created_by"] == "operator"  # the workspace's first key, made with it

    events = http.get("/v1/audit", params={"limit": 50}).json()["events"]
    seen = [(e["action"], e["actor"]["type"], e["actor"]["id"]) for e in reversed(events)]
    user, admin_key = members[email], re.match(r"csk_([0-9a-f]{12})_", workspace["key"]).group(1)
    for expected in [("session.signed_in", "user", user), ("key.created", "user", user),
                     ("webhook_endpoint.created", "user", user), ("webhook_endpoint.deleted", "user", user),
                     ("session.signed_out", "user", user), ("member.role_changed", "key", admin_key),
                     ("key.revoked", "key", admin_key)]:
        assert expected in seen, (expected, seen)
    assert seen.index(("session.signed_in", "user", user)) < seen.index(("key.created", "user", user))
    role_change = next(e for e in events if e["action"] == "member.role_changed")
    assert role_change["detail"] == {"before": "admin", "after": "editor"} and role_change["target"] == user
    older = http.get("/v1/audit", params={"before": events[0]["event_id"], "limit": 1}).json()["events"]
    assert older == events[1:2]
    with httpx.Client(base_url=settings.api_url, timeout=60) as stranger:
        other_tenant, other_key = new_tenant(settings, "nosy")
        nosy = stranger.get("/v1/audit", headers={"Authorization": f"Bearer {other_key}"}).json()["events"]
        assert all(e["target"] != user for e in nosy)  # another workspace's log shows none of this
