"""Publishing through the API and the worker (issue 52), against a stand-in YouTube
(``tests.standins.youtube``): off until configured; an account connected through the platform's
consent page (OAuth with PKCE, the callback matched by its state); a clip posted and put on the
platform once by the worker's publisher; another tenant sees neither the account nor the post."""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from streams.cli.credentials import api_key_for
from streams.publish.tokens import new_key
from tests.standins.youtube import StandInYouTube

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def youtube():
    with StandInYouTube() as server:
        yield server


@pytest.fixture(scope="module")
def publishing(pipeline, youtube):
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
        platform_ca_certs=str(youtube.ca_certs),
    )
    pipeline.restart(configured)
    try:
        yield pipeline
    finally:
        pipeline.restart(original)


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
        assert (offered["enabled"], offered["platforms"], offered["accounts"]) == (True, ["youtube"], [])
        assert http.post("/v1/accounts/connect", json={"platform": "myspace"}).status_code == 404
        begun = http.post("/v1/accounts/connect", json={"platform": "youtube"})
        assert begun.status_code == 201, begun.text
        consent = urlsplit(begun.json()["authorization_url"])
        asked = parse_qs(consent.query)
        assert asked["code_challenge_method"] == ["S256"] and asked["access_type"] == ["offline"]
        # the person consents on the platform's page, which sends the browser back to the callback
        with httpx.Client(verify=str(youtube.ca_certs), timeout=30) as browser:
            back = browser.get(begun.json()["authorization_url"])
            assert back.status_code == 302
            landed = browser.get(back.headers["location"])  # no API key: matched by the state
        assert landed.status_code == 303
        account_id = parse_qs(urlsplit(landed.headers["location"]).query)["account_connected"][0]
        again = httpx.get(back.headers["location"])  # a state is used once
        assert parse_qs(urlsplit(again.headers["location"]).query)["account_error"] == ["unknown_connection"]
        accounts = http.get("/v1/accounts").json()["accounts"]
        assert [(a["account_id"], a["status"]) for a in accounts] == [(account_id, "connected")]
        assert "grant" not in str(accounts) and "ya29" not in str(accounts)

        made = http.post(f"/v1/clips/{clip['clip_id']}/posts",
                         json={"account_id": account_id, "description": "From the talk", "tags": ["talk"]})
        assert made.status_code == 201, made.text
        post = made.json()
        assert post["status"] == "scheduled" and post["title"] == clip["title"][:100]
        deadline = time.monotonic() + 120
        while post["status"] in ("scheduled", "publishing") and time.monotonic() < deadline:
            time.sleep(1)
            post = http.get(f"/v1/posts/{post['post_id']}").json()
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
