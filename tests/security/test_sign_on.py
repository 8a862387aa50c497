"""Single sign-on (issue 53) through a real OpenID provider: Ory Hydra, built from the Go module
proxy, with its people directory as the login app (``streams.stack.directory``), in front of the
running API and PostgreSQL. A member signs in and gets the same session a password gives; a person
invited by email joins on their first sign-on; a stranger and an email the provider has not
verified are refused; a callback cannot be replayed, made up or opened in another browser (login
CSRF)."""

from __future__ import annotations

import uuid
from contextlib import closing
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from streams.cli.operations import as_owner
from streams.stack.directory import add_person
from tests.owner import new_tenant
from tests.security.test_members import _mailed_token
from tests.security.test_sessions import person

pytestmark = pytest.mark.integration

DIRECTORY_PASSWORD = "the directory's own password"


@pytest.fixture(scope="module")
def workspace(pipeline, identity_provider) -> dict:
    tenant_id, key = new_tenant(pipeline.settings, f"sso {uuid.uuid4().hex[:6]}")
    return {"tenant_id": tenant_id, "key": key}


def walk_to_callback(settings, email: str, password: str = DIRECTORY_PASSWORD) -> tuple[httpx.Client, str]:
    """A browser-like client taken from the API's sign-on through the provider's pages (its login
    form filled in) up to the API's callback, not followed: the client, and the callback's URL."""
    browser = httpx.Client(timeout=60)
    started = browser.get(settings.api_url + "/v1/sign-on/start")
    assert started.status_code == 303, started.text
    page = browser.get(started.headers["location"], follow_redirects=True)
    assert page.status_code == 200 and 'name="login_challenge"' in page.text, page.text[:300]
    challenge = page.text.split('name="login_challenge" value="')[1].split('"')[0]
    answer = browser.post(str(page.url).split("?")[0], data={"login_challenge": challenge, "email": email,
                                                             "password": password})
    while answer.status_code in (302, 303) and not answer.headers["location"].startswith(settings.api_url):
        answer = browser.get(answer.headers["location"])
    assert answer.status_code in (302, 303), (answer.status_code, answer.text[:300])
    return browser, answer.headers["location"]


def signed_on(settings, email: str, password: str = DIRECTORY_PASSWORD) -> tuple[httpx.Client, str]:
    """Walked through the provider and back: the client, and the web page address it was sent to."""
    browser, callback = walk_to_callback(settings, email, password)
    back = browser.get(callback)
    assert back.status_code == 303, back.text
    return browser, back.headers["location"]


def test_a_member_signs_on_through_the_provider_and_gets_the_session_a_password_gives(pipeline, workspace):
    settings = pipeline.settings
    offered = httpx.get(settings.api_url + "/v1/sign-on").json()
    assert offered == {"enabled": True, "name": "the local directory"}
    email = person(settings, workspace["tenant_id"], "editor")  # a password of their own too
    add_person(settings, email, DIRECTORY_PASSWORD, "Ed Itor")

    browser, landed = signed_on(settings, email)
    with closing(browser):
        assert landed == "/#signed-in"
        cookie = browser.cookies.get("clipstream_session")
        assert cookie and cookie.startswith("cses_")
        session = browser.get(settings.api_url + "/v1/session").json()
        assert session["role"] == "editor" and session["workspace"]["tenant_id"] == workspace["tenant_id"]
        assert session["user"]["email"] == email
        # a change needs the session's CSRF token, as after a password
        refused = browser.post(settings.api_url + "/v1/keys", json={"name": "x", "scopes": ["read"]})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
        assert browser.delete(settings.api_url + "/v1/session",
                              headers={"X-CSRF-Token": session["csrf_token"]}).status_code == 204
        assert browser.get(settings.api_url + "/v1/session").status_code == 401

    # the second time the remembered identity (the provider's issuer and subject) names them
    browser, landed = signed_on(settings, email)
    browser.close()
    assert landed == "/#signed-in"
    audit = httpx.get(settings.api_url + "/v1/audit", headers={"Authorization": f"Bearer {workspace['key']}"}).json()
    mine = [e for e in audit["events"] if e["action"] == "session.signed_in" and e["detail"].get("via") == "sign_on"]
    assert len(mine) == 2


def test_a_person_invited_by_email_joins_on_their_first_sign_on(pipeline, mailbox, workspace):
    settings = pipeline.settings
    email = f"invited-{uuid.uuid4().hex[:8]}@example.org"
    admin = {"Authorization": f"Bearer {workspace['key']}"}
    made = httpx.post(settings.api_url + "/v1/invitations", json={"email": email, "role": "viewer"}, headers=admin)
    assert made.status_code == 201, made.text
    add_person(settings, email, DIRECTORY_PASSWORD, "New Viewer")

    browser, landed = signed_on(settings, email)
    with closing(browser):
        assert landed == "/#signed-in"
        session = browser.get(settings.api_url + "/v1/session").json()
        assert session["role"] == "viewer" and session["workspace"]["tenant_id"] == workspace["tenant_id"]
        assert session["user"]["display_name"] == "New Viewer"
    members = httpx.get(settings.api_url + "/v1/members", headers=admin).json()["members"]
    assert [(m["email"], m["role"]) for m in members if m["email"] == email] == [(email, "viewer")]
    audit = httpx.get(settings.api_url + "/v1/audit", headers=admin).json()["events"]
    joined = [e for e in audit if e["action"] == "member.joined" and e["detail"].get("email") == email]
    assert len(joined) == 1 and joined[0]["actor"]["type"] == "invitation" and joined[0]["detail"]["via"] == "sign_on"
    # the invitation is taken: its mailed link no longer works
    token = _mailed_token(mailbox, email)
    again = httpx.post(settings.api_url + f"/v1/invitations/{token}/accept", json={"password": "x" * 12})
    assert again.status_code == 404 and again.json()["error"]["code"] == "invitation_invalid"


def test_a_stranger_and_an_unverified_email_are_refused_without_a_session(pipeline, workspace):
    settings = pipeline.settings
    stranger = f"stranger-{uuid.uuid4().hex[:8]}@example.org"
    add_person(settings, stranger, DIRECTORY_PASSWORD)
    browser, landed = signed_on(settings, stranger)
    with closing(browser):
        assert landed == "/#sign-on-error=no_account"
        assert browser.cookies.get("clipstream_session") is None

    # someone whose provider has not verified the email of a member's account does not get it
    member = person(settings, workspace["tenant_id"], "admin")
    add_person(settings, member, DIRECTORY_PASSWORD, email_verified=False)
    browser, landed = signed_on(settings, member)
    with closing(browser):
        assert landed == "/#sign-on-error=email_not_verified"
        assert browser.cookies.get("clipstream_session") is None


def test_a_callback_cannot_be_replayed_made_up_or_finished_after_the_provider_refused(pipeline, workspace):
    settings = pipeline.settings
    email = person(settings, workspace["tenant_id"], "viewer")
    add_person(settings, email, DIRECTORY_PASSWORD)
    browser, callback = walk_to_callback(settings, email)
    # login CSRF: someone's callback address, opened in another browser (a victim's, sent the
    # link), signs that browser in as no one: the sign-in is bound to the browser that began it
    with httpx.Client(timeout=60) as victim:
        lured = victim.get(callback)
        assert lured.headers["location"] == "/#sign-on-error=unknown_sign_on"
        assert victim.cookies.get("clipstream_session") is None
    with closing(browser):
        assert browser.get(callback).headers["location"] == "/#signed-in"
    with httpx.Client(timeout=60) as thief:  # the same code and state again, from elsewhere
        replayed = thief.get(callback)
        assert replayed.headers["location"] == "/#sign-on-error=unknown_sign_on"
        assert thief.cookies.get("clipstream_session") is None
        code = parse_qs(urlparse(callback).query)["code"][0]
        made_up = thief.get(settings.api_url + "/v1/sign-on/callback",
                            params={"state": "s" * 43, "code": code})
        assert made_up.headers["location"] == "/#sign-on-error=unknown_sign_on"
    # the provider's refusal (the person cancelled) ends the sign-in it names
    with httpx.Client(timeout=60) as browser:
        started = browser.get(settings.api_url + "/v1/sign-on/start")
        state = parse_qs(urlparse(started.headers["location"]).query)["state"][0]
        refused = browser.get(settings.api_url + "/v1/sign-on/callback",
                              params={"state": state, "error": "access_denied"})
        assert refused.headers["location"] == "/#sign-on-error=provider_refused"
        assert browser.get(settings.api_url + "/v1/sign-on/callback",
                           params={"state": state, "code": "anything"}).headers["location"] == \
            "/#sign-on-error=unknown_sign_on"


def test_a_member_who_left_cannot_sign_on(pipeline, workspace):
    settings = pipeline.settings
    email = person(settings, workspace["tenant_id"], "editor")
    add_person(settings, email, DIRECTORY_PASSWORD)

    async def leave(pool):
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM memberships WHERE user_id = (SELECT user_id FROM users WHERE email = $1)",
                               email)

    as_owner(settings, leave)
    browser, landed = signed_on(settings, email)
    browser.close()
    assert landed == "/#sign-on-error=no_workspace"
