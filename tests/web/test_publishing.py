"""Publishing through the API, the worker and the web page (issue 52), against a stand-in YouTube
(``tests.standins.youtube``): off until configured; an account connected through the platform's
consent page (OAuth with PKCE, the callback matched by its state); a clip posted and put on the
platform once by the worker's publisher; another tenant sees neither the account nor the post.
The post's platform statistics, fetched by the worker into ClickHouse, are in ``GET /v1/analytics``
and on the clip's card in headless Chromium; a revoked grant fails the next post and the page says
to reconnect the account. Against a stand-in TikTok (``tests.standins.tiktok``): a post waiting on
moderation is asked about as soon as TikTok's signed webhook says moderation is over."""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from streams.publish.tokens import new_key
from streams.stack.credentials import api_key_for
from tests.owner import as_owner
from tests.standins.tiktok import StandInTikTok
from tests.standins.youtube import StandInYouTube

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def youtube():
    with StandInYouTube() as server:
        yield server


@pytest.fixture(scope="module")
def tiktok():
    with StandInTikTok() as server:
        yield server


@pytest.fixture(scope="module")
def publishing(pipeline, youtube, tiktok, tmp_path_factory):
    """The API and the worker with publishing configured (to the stand-in), as they were after.
    (Not ``tenant_a``: a restarted API signs links with a new secret, and that fixture's signed
    links must outlive this module.)"""
    original = pipeline.settings
    assert not original.token_keys
    with httpx.Client(base_url=original.api_url, timeout=30, headers=_auth(original)) as http:
        off = http.post("/v1/accounts/connect", json={"platform": "youtube"})
        assert off.status_code == 409 and off.json()["error"]["code"] == "publishing_not_configured"
    configured = dataclasses.replace(
        original,
        token_keys=new_key(),
        youtube_client_id=youtube.client_id,
        youtube_client_secret=youtube.client_secret,
        youtube_api_url=youtube.api_url,
        youtube_token_url=youtube.token_url,
        youtube_auth_url=youtube.api_url + "o/oauth2/v2/auth",
        tiktok_client_key=tiktok.client_key,
        tiktok_client_secret=tiktok.client_secret,
        tiktok_api_url=tiktok.api_url,
        tiktok_auth_url=tiktok.api_url.rstrip("/") + "/v2/auth/authorize/",
        platform_ca_certs=str(_bundle(tmp_path_factory.mktemp("ca") / "platforms.pem", youtube, tiktok)),
        post_stats_seconds=2.0,
    )
    pipeline.restart(configured)
    try:
        yield pipeline
    finally:
        pipeline.restart(original)


def _bundle(path, *servers):
    """One CA file trusting each stand-in's own certificate (the setting takes one file)."""
    path.write_text("".join(server.ca_certs.read_text() for server in servers))
    return path


def _auth(settings) -> dict:
    return {"Authorization": f"Bearer {api_key_for(settings)}"}


@pytest.fixture(scope="module")
def clip(publishing, media_dir) -> dict:
    video = publishing.process(media_dir / "speech" / "jfk.wav", clip_count=1, min_seconds=5, max_seconds=15)
    assert video["status"] == "completed", video.get("error")
    return publishing.client.clips(video["video_id"])["clips"][0]


def test_an_account_is_connected_and_a_clip_posted_once(publishing, youtube, clip, tenant_b):
    settings = publishing.settings
    with httpx.Client(base_url=settings.api_url, timeout=30, headers=_auth(settings)) as http:
        offered = http.get("/v1/accounts").json()
        assert (offered["enabled"], offered["platforms"]) == (True, ["youtube", "tiktok"])
        # the local tenant may hold accounts other tests made straight in the database (the tenant matrix)
        before = {a["account_id"] for a in offered["accounts"]}
        assert http.post("/v1/accounts/connect", json={"platform": "myspace"}).status_code == 404
        account_id, back = _connect(http, youtube)
        again = httpx.get(back)  # a state is used once
        assert parse_qs(urlsplit(again.headers["location"]).query)["account_error"] == ["unknown_connection"]
        accounts = http.get("/v1/accounts").json()["accounts"]
        assert [(a["account_id"], a["status"], a["name"]) for a in accounts if a["account_id"] not in before] == \
            [(account_id, "connected", "Stand-in Channel")]  # named as YouTube names the channel
        assert "grant" not in str(accounts) and "ya29" not in str(accounts)

        made = http.post(f"/v1/clips/{clip['clip_id']}/posts",
                         json={"account_id": account_id, "description": "From the talk", "tags": ["talk"]})
        assert made.status_code == 201, made.text
        post = made.json()
        assert post["status"] == "scheduled" and post["title"] == clip["title"][:100]
        post = _settled(http, post)
        assert post["status"] == "published", post
        assert list(youtube.videos) == [post["platform_id"]]
        mp4 = http.get(f"/v1/clips/{clip['clip_id']}/download", params={"file": "mp4"}, follow_redirects=True)
        assert youtube.videos[post["platform_id"]].size == len(mp4.content)
        listed = http.get(f"/v1/clips/{clip['clip_id']}/posts").json()["posts"]
        assert [p["post_id"] for p in listed] == [post["post_id"]]
        assert http.post(f"/v1/posts/{post['post_id']}/cancel").status_code == 409  # published: too late
        unknown = http.post(f"/v1/clips/{clip['clip_id']}/posts", json={"account_id": "acc_" + "0" * 32})
        assert unknown.status_code == 404

    other = {"Authorization": f"Bearer {tenant_b['key']}"}
    with httpx.Client(base_url=settings.api_url, timeout=30, headers=other) as http:
        assert http.get("/v1/accounts").json()["accounts"] == []
        assert http.get(f"/v1/posts/{post['post_id']}").status_code == 404
        assert http.get("/v1/posts").json()["posts"] == []
        assert http.delete(f"/v1/accounts/{account_id}").status_code == 404


def _connect(http: httpx.Client, server: StandInYouTube | StandInTikTok) -> tuple[str, str]:
    """Connects a YouTube (or TikTok) account as a person would (the consent page, then back to the
    callback); its id and the callback address the platform sent the browser to."""
    platform = "tiktok" if isinstance(server, StandInTikTok) else "youtube"
    begun = http.post("/v1/accounts/connect", json={"platform": platform})
    assert begun.status_code == 201, begun.text
    asked = parse_qs(urlsplit(begun.json()["authorization_url"]).query)
    assert asked["code_challenge_method"] == ["S256"]
    assert platform == "tiktok" or asked["access_type"] == ["offline"]
    with httpx.Client(verify=str(server.ca_certs), timeout=30) as browser:
        back = browser.get(begun.json()["authorization_url"])
        assert back.status_code == 302
        landed = browser.get(back.headers["location"])  # no API key: matched by the state
    assert landed.status_code == 303
    said = parse_qs(urlsplit(landed.headers["location"]).query)
    assert "account_connected" in said, said
    return said["account_connected"][0], back.headers["location"]


def _settled(http: httpx.Client, post: dict, within: float = 120) -> dict:
    """The post once the publisher is done with it (published or failed), or as it is at the deadline."""
    deadline = time.monotonic() + within
    while post["status"] in ("scheduled", "publishing", "processing") and time.monotonic() < deadline:
        time.sleep(1)
        post = http.get(f"/v1/posts/{post['post_id']}").json()
    return post


def test_a_posts_statistics_reach_clickhouse_and_the_clip_card_and_a_revoked_grant_says_reconnect(
        publishing, youtube, clip, chromium, artifacts):
    settings = publishing.settings
    with httpx.Client(base_url=settings.api_url, timeout=30, headers=_auth(settings)) as http:
        account_id, _ = _connect(http, youtube)
        post = _settled(http, http.post(f"/v1/clips/{clip['clip_id']}/posts", json={"account_id": account_id}).json())
        assert post["status"] == "published", post
        youtube.videos[post["platform_id"]].statistics = {"viewCount": "4321", "likeCount": "87", "commentCount": "9"}
        # the worker fetches every published post's counts (every 2 s here) into ClickHouse
        deadline, seen = time.monotonic() + 90, None
        while time.monotonic() < deadline:
            report = http.get("/v1/analytics")
            seen = next((p for p in report.json().get("posts", []) if p["post_id"] == post["post_id"]), None) \
                if report.status_code == 200 else None
            if seen and seen["views"] == 4321:
                break
            time.sleep(1)
        assert report.json()["source"] == "clickhouse"
        assert seen and (seen["clip_id"], seen["platform"], seen["views"], seen["likes"], seen["comments"]) == \
            (clip["clip_id"], "youtube", 4321, 87, 9), seen

        page = chromium.new_page(viewport={"width": 1440, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(f"{settings.api_url}/#key={api_key_for(settings)}")
            page.wait_for_selector("#app:not([hidden])", timeout=15_000)
            page.goto(f"{settings.api_url}/#video={clip['video_id']}")
            card = f"#clips .clip-card[data-clip-id='{clip['clip_id']}']"
            stats = page.wait_for_selector(f"{card} .post-stats[data-post-id='{post['post_id']}']", timeout=30_000)
            assert stats.text_content() == "YouTube: 4,321 views · 87 likes · 9 comments"
            body = page.eval_on_selector(card, "c => [...c.querySelectorAll('*')].flatMap(e => [...e.childNodes])"
                                               ".filter(n => n.nodeType === 3).map(n => n.textContent.trim())")
            assert "null" not in body and "undefined" not in body, body  # no empty field shown as a word
            # the source is sound alone: its player is a bar over the transcript, not a card beside it
            page.wait_for_selector("#source-player.audio-only", timeout=15_000)
            columns = page.eval_on_selector(".media-row", "e => getComputedStyle(e).gridTemplateColumns.split(' ')")
            assert len(columns) == 1, columns
            page.screenshot(path=str(artifacts / "01-clip-card-statistics.png"), full_page=True)

            # the platform withdraws the grant: the next post fails, and the page asks to reconnect
            for refresh in list(youtube.grants.refresh):
                youtube.revoke(refresh)
            for access in list(youtube.grants.access):
                youtube.expire(access)
            failed = _settled(http, http.post(f"/v1/clips/{clip['clip_id']}/posts",
                                              json={"account_id": account_id}).json())
            assert (failed["status"], failed["error_code"]) == ("failed", "account_reconnect_required"), failed
            copied = settings.data_dir / "worker" / "scratch" / "posts" / f"{failed['post_id']}.mp4"
            assert copied.parent.is_dir() and not copied.exists()  # the worker's copy of the clip went with the post
            page.click("#tabs .tab[data-view=publishing]")
            account = page.wait_for_selector("#account-list .account[data-status=reconnect_required]", timeout=15_000)
            assert "Reconnect" in account.text_content() and account.query_selector("button") is not None
            row = page.wait_for_selector(f"#post-list .post[data-post-id='{failed['post_id']}']", timeout=15_000)
            assert "Reconnect the account, then retry." in row.text_content()
            published = page.query_selector(f"#post-list .post[data-post-id='{post['post_id']}'] .post-stats")
            assert published is not None and "4,321 views" in published.text_content()
            page.screenshot(path=str(artifacts / "02-publishing-reconnect.png"), full_page=True)
        finally:
            page.close()
        assert not errors, errors


def test_a_tiktok_post_waiting_on_moderation_is_asked_about_when_tiktoks_webhook_says_it_is_over(
        publishing, tiktok, clip):
    """TikTok moderates a post for everyone, sometimes for hours, and the publisher asks about such
    a post less and less often (up to every 15 minutes). TikTok's webhook, signed with the app's
    client secret, makes it due at once: published with its id within seconds of the verdict. A
    notice signed with another secret is refused and moves nothing."""
    settings = publishing.settings
    tiktok.moderating, tiktok.webhook_url = True, settings.api_url + "/v1/platforms/tiktok/webhook"

    def next_ask(post_id: str, push: bool = False):
        sql = ("UPDATE posts SET next_attempt_at = now() + interval '1 hour' WHERE post_id = $1"
               " RETURNING next_attempt_at - now()") if push else \
            "SELECT next_attempt_at - now() FROM posts WHERE post_id = $1"
        with ThreadPoolExecutor(1) as thread:  # the browser tests' event loop holds this thread
            return thread.submit(as_owner, settings, lambda pool: pool.fetchval(sql, post_id)).result().total_seconds()

    try:
        with httpx.Client(base_url=settings.api_url, timeout=30, headers=_auth(settings)) as http:
            account_id, _ = _connect(http, tiktok)
            post = http.post(f"/v1/clips/{clip['clip_id']}/posts", json={"account_id": account_id, "privacy": "public"})
            assert post.status_code == 201, post.text
            post_id, deadline = post.json()["post_id"], time.monotonic() + 60
            while http.get(f"/v1/posts/{post_id}").json()["status"] != "processing" and time.monotonic() < deadline:
                time.sleep(0.5)
            assert http.get(f"/v1/posts/{post_id}").json()["status"] == "processing"
            assert next_ask(post_id, push=True) > 3500  # moderated for long: its next question an hour away
            [upload] = [u for u in tiktok.uploads.values() if u.verdict is None and u.post_id]

            forged = tiktok.notify("post.publish.publicly_available", {"publish_id": upload.publish_id},
                                   secret="not the app's secret")
            assert forged is not None and forged.status_code == 400, forged.text
            assert forged.json()["error"]["code"] == "invalid_signature" and next_ask(post_id) > 3500

            tiktok.moderate(upload.publish_id)  # approved: TikTok says so to the webhook
            event, status, answer = tiktok.notices[-1]
            assert (event, status, answer["posts"]) == ("post.publish.publicly_available", 200, 1), answer
            post = _settled(http, http.get(f"/v1/posts/{post_id}").json(), within=30)
            assert (post["status"], post["platform_id"]) == ("published", upload.post_id), post
            assert post["url"] and upload.post_id in post["url"]
    finally:
        tiktok.moderating, tiktok.webhook_url = False, None


def test_a_creator_removing_the_apps_access_in_tiktok_marks_their_account_to_connect_again(
        publishing, tiktok, clip):
    """TikTok names the account of ``authorization.removed`` only by the creator's ``open_id``, which
    the connection kept from TikTok's token answer: the account says ``reconnect_required`` at once
    (before, its next post found out by failing), and scheduling a post on it is refused. The same
    notice again marks nothing; connected again, the account stays connected even when an older
    notice comes late (TikTok retries for 72 hours)."""
    settings = publishing.settings
    tiktok.webhook_url = settings.api_url + "/v1/platforms/tiktok/webhook"
    try:
        with httpx.Client(base_url=settings.api_url, timeout=30, headers=_auth(settings)) as http:
            account_id, _ = _connect(http, tiktok)

            def account() -> dict:
                [found] = [a for a in http.get("/v1/accounts").json()["accounts"] if a["account_id"] == account_id]
                return found

            def status() -> str:
                return account()["status"]

            assert status() == "connected" and account()["name"] == "Stand-in"  # the creator's nickname
            removed_at = time.time()
            answer = tiktok.disconnect(reason=1)
            assert answer is not None and answer.status_code == 200, answer.text
            assert answer.json()["event"] == "authorization.removed" and answer.json()["accounts"] >= 1
            assert status() == "reconnect_required"
            refused = http.post(f"/v1/clips/{clip['clip_id']}/posts", json={"account_id": account_id})
            assert refused.status_code == 409, refused.text
            assert refused.json()["error"]["code"] == "account_reconnect_required"
            again = tiktok.notify("authorization.removed", {"reason": 1})
            assert again is not None and again.json()["accounts"] == 0

            time.sleep(2.1)  # connected again seconds later (TikTok dates a notice to the second)
            begun = http.post("/v1/accounts/connect", json={"platform": "tiktok", "account_id": account_id})
            assert begun.status_code == 201, begun.text
            with httpx.Client(verify=str(tiktok.ca_certs), timeout=30) as browser:
                back = browser.get(begun.json()["authorization_url"])
                landed = browser.get(back.headers["location"])
            assert parse_qs(urlsplit(landed.headers["location"]).query)["account_connected"] == [account_id]
            assert status() == "connected"
            late = tiktok.notify("authorization.removed", {"reason": 1}, at=removed_at)
            assert late is not None and late.json()["accounts"] == 0 and status() == "connected"
    finally:
        tiktok.webhook_url = None
