"""People on the web page in headless Chromium (issue 53): an editor signs in with a password,
uploads, watches the clip arrive and signs out, with no credential in the page's storage; a viewer
signs in and is offered neither upload, re-render, publishing nor deletion, and the API refuses
them; a page from another origin cannot make a signed-in admin's browser delete a video or make a
key."""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from streams.people import passwords, store
from tests.httpd import Answer, LocalServer
from tests.media_recipes import short_talk
from tests.owner import as_owner
from tests.web.test_web_page import Shots, _upload, _wait_until_shown_complete, browser_context, http  # noqa: F401

pytestmark = pytest.mark.integration

PASSWORD = "a long enough passphrase"


def person(pipeline, role: str) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"

    async def make(pool):
        async with pool.acquire() as conn:
            user = await store.create_user(conn, email, role.title(), passwords.hash_password(PASSWORD))
            await store.add_member(conn, pipeline.tenant_id, user.user_id, role)

    # In a thread: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(as_owner, pipeline.settings, make).result()
    return email


def sign_in(page, api_url: str, email: str) -> None:
    page.goto(f"{api_url}/")
    page.wait_for_selector("#signin-form", timeout=15_000)
    page.fill("#signin-email", email)
    page.fill("#signin-password", PASSWORD)
    page.click("#signin-button")
    page.wait_for_selector("#app:not([hidden])", timeout=15_000)


def storage(page) -> str:
    """Everything the page keeps in local and session storage, and the cookies its scripts see."""
    return page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])")


def test_an_editor_signs_in_uploads_watches_the_clip_arrive_and_signs_out(
        pipeline, browser_context, http, media_dir, built_media):  # noqa: F811
    context, shots = browser_context
    api_url = pipeline.settings.api_url
    email = person(pipeline, "editor")
    page = context.new_page()
    shots.watch(page, "editor")
    sign_in(page, api_url, email)
    assert page.text_content("#role-label") == "editor" and page.is_visible("#sign-out")
    assert page.is_hidden("#video-delete") and page.is_visible("#upload-card")
    shots(page, "signed-in")
    cookie = next(c for c in context.cookies() if c["name"] == "clipstream_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    csrf = page.evaluate("fetch('/v1/session').then(r => r.json()).then(b => b.csrf_token)")
    kept = storage(page)
    assert cookie["value"] not in kept and csrf not in kept and "csk_" not in kept, kept

    video_id = _upload(page, short_talk(media_dir, built_media), shots)
    _wait_until_shown_complete(page, http, video_id, shots)
    assert page.locator("#clips .clip-card .publish-toggle").first.is_visible()
    kept = storage(page)
    assert cookie["value"] not in kept and csrf not in kept, kept

    page.click("#sign-out")
    page.wait_for_selector("#signin-form", timeout=15_000)
    assert page.is_hidden("#app")
    ended = page.evaluate("fetch('/v1/videos').then(r => r.status)")
    assert ended == 401  # the session ended on the server, not only in this tab
    page.reload()
    page.wait_for_selector("#key-panel:not([hidden])", timeout=15_000)
    shots(page, "signed-out")


def test_an_invited_viewer_joins_and_is_offered_nothing_it_may_not_do_and_the_api_refuses_it(
        pipeline, mailbox, browser_context, http, tenant_a):  # noqa: F811
    context, shots = browser_context
    email = f"viewer-{uuid.uuid4().hex[:8]}@example.org"
    assert http.post("/v1/invitations", json={"email": email, "role": "viewer"}).json()["sent"]
    deadline = time.monotonic() + 10
    while not mailbox.to(email) and time.monotonic() < deadline:
        time.sleep(0.1)
    link = re.search(r"http\S+#invitation=cinv_[\w-]+", mailbox.to(email)[0].get_content()).group(0)
    page = context.new_page()
    shots.watch(page, "viewer")
    page.goto(link)
    page.wait_for_selector("#join-form:not([hidden])", timeout=15_000)
    assert "invitation" not in page.url  # the token leaves the address bar at once
    page.fill("#join-name", "Vera Viewer")
    page.fill("#join-password", PASSWORD)
    shots(page, "join")
    page.click("#join-button")
    page.wait_for_selector("#app:not([hidden])", timeout=15_000)
    assert page.is_hidden("#team-tab")
    page.goto(f"{pipeline.settings.api_url}/#video={tenant_a['video_id']}")
    page.wait_for_selector("#clips .clip-card", timeout=30_000)
    assert page.text_content("#role-label") == "viewer"
    for hidden in ("#upload-card", "#video-delete", "#clips .clip-card .publish-toggle",
                   "#clips .clip-card .rerender-toggle"):
        assert page.locator(hidden).first.is_hidden(), hidden
    shots(page, "viewer")
    refused = page.evaluate(
        """async ([video, clip]) => {
             const s = await (await fetch('/v1/session')).json();
             const h = {'X-CSRF-Token': s.csrf_token, 'Content-Type': 'application/json'};
             const del = await fetch(`/v1/videos/${video}`, {method: 'DELETE', headers: h});
             const pub = await fetch(`/v1/clips/${clip}/posts`, {method: 'POST', headers: h, body: '{}'});
             return [del.status, (await del.json()).error.code, pub.status, (await pub.json()).error.code];
           }""", [tenant_a["video_id"], tenant_a["clip_id"]])
    assert refused == [403, "forbidden", 403, "forbidden"]
    assert http.get(f"/v1/videos/{tenant_a['video_id']}").status_code == 200


EVIL = """<!doctype html><html><body>
<form id="f" method="POST" action="{api}/v1/keys" enctype="text/plain">
  <input name='{{"scope": "admin", "name": "csrf' value='"}}'>
</form>
<script>
  window.tried = [];
  fetch("{api}/v1/videos/{video}", {{method: "DELETE", credentials: "include"}})
    .then(r => tried.push("delete:" + r.status), e => tried.push("delete:blocked"))
    .finally(() => {{ document.getElementById("f").submit(); }});
</script></body></html>"""


def test_a_page_from_another_origin_cannot_act_for_a_signed_in_browser(pipeline, browser_context, http, tenant_a):  # noqa: F811
    context, shots = browser_context
    api_url = pipeline.settings.api_url
    keys_before = len(http.get("/v1/keys").json()["keys"])
    page = context.new_page()
    shots.watch(page, "admin")
    admin, owner = person(pipeline, "admin"), person(pipeline, "owner")
    sign_in(page, api_url, admin)
    assert page.is_visible("#upload-card") and page.is_visible("#video-delete") is False  # no video open yet
    page.click("#team-tab")
    page.wait_for_selector("#member-list .account", timeout=15_000)
    # an admin may not touch an owner (the API answers 403): the page says so before they try
    owner_row = page.locator("#member-list .account", has_text=owner)
    assert owner_row.locator("select").is_disabled() and owner_row.locator("button").is_disabled()
    assert owner_row.locator("button").get_attribute("title") == "Only an owner may change or remove an owner."
    admin_row = page.locator("#member-list .account", has_text=admin)
    assert admin_row.locator("select").is_enabled() and admin_row.locator("option[value=owner]").is_disabled()
    page.wait_for_selector("#audit-list .post[data-action='session.signed_in']", timeout=15_000)
    # the log names a member by email, not by user id
    signed_in = page.locator("#audit-list .post[data-action='session.signed_in']").all_text_contents()
    assert any(f"user {admin}" in row for row in signed_in), signed_in
    # the log reads as a table: each row's time, action and actor start where every other row's do,
    # whatever the length of its action (checked on a log of more than one kind)
    assert len(set(page.locator("#audit-list .post .pill").all_text_contents())) > 1
    starts = page.eval_on_selector_all(
        "#audit-list .post",
        "rows => rows.map((r) => [...r.children].slice(0, 3).map((c) => Math.round(c.getBoundingClientRect().left)))")
    assert len(starts) > 1 and len({tuple(row) for row in starts}) == 1, starts
    shots(page, "team")
    html = EVIL.format(api=api_url, video=tenant_a["video_id"]).encode()
    with LocalServer(lambda request, _: Answer(200, html, {"Content-Type": "text/html"})) as evil:
        elsewhere = context.new_page()
        elsewhere.goto(evil.url("/"))
        elsewhere.wait_for_load_state("networkidle", timeout=15_000)
        elsewhere.close()
    assert http.get(f"/v1/videos/{tenant_a['video_id']}").status_code == 200  # still there
    assert len(http.get("/v1/keys").json()["keys"]) == keys_before  # no key was made


PHONE = {"width": 390, "height": 844}
VIEW_READY = {  # what each view shows once its data has come
    "videos": "#video-list .video-item",
    "publishing": "#post-list .post, #post-empty:not([hidden]), #publishing-off:not([hidden])",
    "analytics": "#view-analytics figure.chart", "team": "#member-list .account",
}


def test_an_admin_on_a_phone_reaches_every_view_and_no_page_is_wider_than_the_screen(
        pipeline, browser_context, tenant_a):  # noqa: F811
    """At a phone's width the top bar (brand, four views' tabs, role, Sign out) and every view fit
    the screen: nothing scrolls sideways, and each tab is on screen to be tapped."""
    context, shots = browser_context
    page = context.new_page()
    page.set_viewport_size(PHONE)
    shots.watch(page, "phone")
    sign_in(page, pipeline.settings.api_url, person(pipeline, "admin"))
    tabs = page.locator("#tabs .tab")
    assert tabs.evaluate_all("ts => ts.filter(t => !t.hidden).map(t => t.dataset.view)") == list(VIEW_READY)

    def fits(where: str) -> None:
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= PHONE["width"], f"{where}: the page is {wide} px wide on a {PHONE['width']} px screen"
        # nor does a field or button stick out of its card (a select as wide as its longest choice)
        out = page.evaluate(
            "() => [...document.querySelectorAll('.card :is(input, select, textarea, button)')]"
            ".filter((e) => e.offsetParent !== null && e.getBoundingClientRect().right"
            " > e.closest('.card').getBoundingClientRect().right + 0.5).map((e) => e.id || e.textContent.trim())")
        assert out == [], f"{where}: outside their card: {out}"

    for view, ready in VIEW_READY.items():
        tab = page.locator(f"#tabs .tab[data-view={view}]")
        box = tab.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (view, box)
        tab.click()
        page.wait_for_selector(f"#view-{view}:not([hidden])", timeout=15_000)
        page.wait_for_selector(ready, timeout=15_000)
        fits(view)
        shots(page, f"phone-{view}")
    page.click("#tabs .tab[data-view=videos]")
    page.locator(f"#video-list .video-item[data-video-id='{tenant_a['video_id']}']").click()
    page.wait_for_selector("#clips .clip-card", timeout=15_000)
    fits("a video")
    # the video opened is brought up under the top bar, not left below the list that was tapped
    page.wait_for_function(
        "() => { const bar = document.querySelector('.topbar').getBoundingClientRect().bottom,"
        " top = document.querySelector('#video-detail').getBoundingClientRect().top;"
        " return top >= bar && top <= bar + 24; }", timeout=10_000)
    shots(page, "phone-video")


def test_a_person_who_forgot_their_password_sets_a_new_one_from_the_mailed_link(
        pipeline, mailbox, browser_context):  # noqa: F811
    context, shots = browser_context
    email = person(pipeline, "viewer")
    page = context.new_page()
    shots.watch(page, "forgot")
    page.goto(f"{pipeline.settings.api_url}/")
    page.wait_for_selector("#signin-form", timeout=15_000)
    page.fill("#signin-email", email)
    page.click("#forgot")
    page.wait_for_function("() => document.querySelector('#forgot-message').textContent.includes('on its way')")
    deadline = time.monotonic() + 10
    while not mailbox.to(email) and time.monotonic() < deadline:
        time.sleep(0.1)
    link = re.search(r"http\S+#reset=crst_[\w-]+", mailbox.to(email)[0].get_content()).group(0)
    page.close()
    page = context.new_page()  # the link opened from the mail, in a new tab
    shots.watch(page, "reset")
    page.goto(link)
    page.wait_for_selector("#reset-form:not([hidden])", timeout=15_000)
    page.fill("#reset-password", "a new and better passphrase")
    page.click("#reset-button")
    page.wait_for_function("() => document.querySelector('#signin-error').textContent.includes('password is set')")
    page.fill("#signin-email", email)
    page.fill("#signin-password", "a new and better passphrase")
    page.click("#signin-button")
    page.wait_for_selector("#app:not([hidden])", timeout=15_000)
    shots(page, "after-reset")


def test_a_member_signs_in_through_the_openid_provider_and_a_stranger_is_told_why_not(
        pipeline, identity_provider, browser_context):  # noqa: F811
    from streams.stack.directory import add_person

    context, shots = browser_context
    api_url = pipeline.settings.api_url
    email = person(pipeline, "admin")
    add_person(pipeline.settings, email, "the directory's password", "Ada Admin")
    page = context.new_page()
    shots.watch(page, "sign-on")
    page.goto(f"{api_url}/")
    page.wait_for_selector("#sign-on-link:visible", timeout=15_000)
    assert page.text_content("#sign-on-link") == "Sign in with the local directory"
    page.click("#sign-on-link")
    page.wait_for_selector("input[name=login_challenge]", state="attached", timeout=15_000)  # the provider's own page
    assert not page.url.startswith(api_url)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "the directory's password")
    shots(page, "provider")
    page.click("button[type=submit]")
    page.wait_for_selector("#app:not([hidden])", timeout=30_000)
    assert page.url == f"{api_url}/"  # back, with nothing left in the address
    assert page.text_content("#role-label") == "admin" and page.text_content("#key-label") == email
    assert page.is_visible("#team-tab") and page.is_visible("#sign-out")
    shots(page, "signed-on")
    cookie = next(c for c in context.cookies() if c["name"] == "clipstream_session")
    assert cookie["httpOnly"] and cookie["value"] not in storage(page)
    page.click("#sign-out")
    page.wait_for_selector("#signin-form", timeout=15_000)

    stranger = f"stranger-{uuid.uuid4().hex[:8]}@example.org"
    add_person(pipeline.settings, stranger, "the directory's password")
    page.click("#sign-on-link")
    page.wait_for_selector("input[name=login_challenge]", state="attached", timeout=15_000)
    page.fill("input[name=email]", stranger)
    page.fill("input[name=password]", "the directory's password")
    page.click("button[type=submit]")
    page.wait_for_selector("#signin-error:visible", timeout=30_000)
    assert "no clipstream account has that email" in page.text_content("#signin-error")
    assert page.url == f"{api_url}/" and page.is_hidden("#app")
    shots(page, "stranger")
