"""Posting to TikTok with our own Content Posting API client, talking real HTTPS to a stand-in
that follows TikTok's published protocol (``tests.standins.tiktok``): a small video in one chunk,
a large one in chunks as the transfer guide fixes them, resuming a publish another worker began,
a finished upload found and not sent again, tokens refreshed, a revoked grant, the rate limit."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streams.errors import AccountReconnectRequired, PublishError
from streams.publish.platform import PostRequest
from streams.publish.tiktok import MIN_CHUNK, TikTok, TikTokClient, chunking
from streams.publish.tokens import Grant
from tests.standins.tiktok import OPEN_ID, StandInTikTok

POST = PostRequest("Why most clips fail", "From the talk.", privacy="private")


@pytest.fixture
def tt():
    with StandInTikTok() as server:
        yield server


def account(tt: StandInTikTok, seconds: int | None = None) -> tuple[TikTok, Grant]:
    access, refresh, expiry = tt.grant(seconds)
    grant = Grant(access, refresh, expiry)
    client = TikTokClient(tt.client_key, tt.client_secret, api_url=tt.api_url, chunk_bytes=MIN_CHUNK,
                          ca_certs=str(tt.ca_certs))
    return TikTok(client, grant), grant


def video(tmp_path: Path, size: int) -> Path:
    path = tmp_path / f"clip-{size}.mp4"
    path.write_bytes(os.urandom(size))
    return path


def test_chunking_follows_the_transfer_guide():
    assert chunking(3_000_000, MIN_CHUNK) == (3_000_000, 1)  # under 5 MB: one chunk of it all
    assert chunking(12 * 1024 * 1024, MIN_CHUNK) == (MIN_CHUNK, 2)  # the last chunk takes the rest
    assert chunking(200 * 1024 * 1024, 1) == (MIN_CHUNK, 40)  # never under 5 MB a chunk


def test_a_small_clip_goes_up_whole_and_a_large_one_in_chunks(tt, tmp_path):
    tiktok, _ = account(tt)
    for size in (1_500_000, 12 * 1024 * 1024):
        media = video(tmp_path, size)
        session = tiktok.start(media, POST)
        assert not any(u.data for u in tt.uploads.values() if u.size == size)  # nothing sent yet
        seen = []
        post = tiktok.send(session, media, lambda held, total: seen.append(held))
        assert bytes(tt.posts[post.platform_id].data) == media.read_bytes()
        assert seen[-1] == size and post.url.endswith(post.platform_id)
    assert len(tt.posts) == 2
    assert [u.post_info["privacy_level"] for u in tt.posts.values()] == ["SELF_ONLY", "SELF_ONLY"]


def test_a_second_worker_resumes_the_publish_the_first_died_in(tt, tmp_path):
    first, grant = account(tt)
    media = video(tmp_path, 12 * 1024 * 1024)
    session = first.start(media, POST)

    class Killed(BaseException):
        pass

    def die(held: int, total: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        first.send(session, media, die)
    [upload] = tt.uploads.values()
    assert len(upload.data) == MIN_CHUNK and not tt.posts
    post = TikTok(first.client, grant).send(session, media)
    assert list(tt.posts) == [post.platform_id] and bytes(upload.data) == media.read_bytes()


def test_a_finished_upload_is_found_not_sent_again(tt, tmp_path):
    tiktok, grant = account(tt)
    media = video(tmp_path, 1_000_000)
    session = tiktok.start(media, POST)
    post = tiktok.send(session, media)
    puts = len([r for r in tt._server.received if r.method == "PUT"])
    assert TikTok(tiktok.client, grant).send(session, media).platform_id == post.platform_id
    assert len([r for r in tt._server.received if r.method == "PUT"]) == puts and len(tt.posts) == 1


def test_an_expired_token_is_refreshed_before_the_call_and_on_a_401(tt, tmp_path):
    media = video(tmp_path, 1_000_000)
    tiktok, grant = account(tt, seconds=-5)
    tiktok.send(tiktok.start(media, POST), media)
    assert tt.refreshed == 1 and tiktok.grant().access_token != grant.access_token
    assert grant.user_id is None and tiktok.grant().user_id == OPEN_ID  # learnt from the refresh's answer
    assert tiktok.grant().expires_at > datetime.now(UTC) + timedelta(hours=1)
    tt.expire(tiktok.grant().access_token)  # TikTok's clock says so before ours does
    tiktok.send(tiktok.start(media, POST), media)
    assert tt.refreshed == 2 and len(tt.posts) == 2


def test_a_revoked_grant_asks_for_reconnection_and_the_rate_limit_is_retriable(tmp_path):
    media = video(tmp_path, 1_000_000)
    with StandInTikTok(inits_per_minute=1) as tt:
        tiktok, grant = account(tt)
        tiktok.start(media, POST)
        with pytest.raises(PublishError, match="rate_limit_exceeded") as limited:
            tiktok.start(media, POST)
        assert limited.value.retriable
        tt.revoke(grant.refresh_token)
        tt.expire(grant.access_token)
        with pytest.raises(AccountReconnectRequired, match="connect the account again"):
            tiktok.start(media, POST)


def test_an_account_is_connected_through_tiktoks_consent_page_with_its_own_names(tt):
    import asyncio

    import httpx

    from streams.publish.oauth import OAuthClient, begin, exchange
    from streams.publish.tiktok import SCOPES

    client = OAuthClient(tt.client_key, tt.client_secret, tt.api_url + "/v2/auth/authorize/",
                         tt.api_url + "/v2/oauth/token/", SCOPES, str(tt.ca_certs), id_param="client_key",
                         scope_separator=",")
    started = begin(client, "https://clips.example/v1/accounts/callback")
    assert "client_key=" in started.url and "scope=user.info.basic%2Cvideo.publish" in started.url
    back = httpx.get(started.url, verify=str(tt.ca_certs))
    assert back.status_code == 302
    code = httpx.URL(back.headers["location"]).params["code"]
    grant = asyncio.run(exchange(client, code, "https://clips.example/v1/accounts/callback", started.verifier))
    assert grant.access_token in tt.grants.access and tt.grants.refresh[grant.refresh_token]
    assert grant.scopes == SCOPES
    tiktok = TikTok(TikTokClient(tt.client_key, tt.client_secret, api_url=tt.api_url, ca_certs=str(tt.ca_certs)),
                    grant)
    assert tiktok.statistics(["7000000000000000000"]) == {}  # video.list consented: the query is allowed
    with pytest.raises(AccountReconnectRequired):  # a code is used once
        asyncio.run(exchange(client, code, "https://clips.example/v1/accounts/callback", started.verifier))


def test_statistics_come_twenty_ids_a_call_and_need_the_video_list_scope(tt, tmp_path):
    from streams.publish.platform import Statistics

    tiktok, _ = account(tt)
    media = video(tmp_path, 200_000)
    posted = [tiktok.send(tiktok.start(media, POST), media).platform_id for _ in range(3)]
    tt.posts[posted[0]].counts = {"view_count": 1200, "like_count": 48, "comment_count": 5}
    asked = posted + [str(8_000_000_000_000_000_000 + i) for i in range(22)]  # 25 ids: two calls
    before = len([r for r in tt.received if r.path.startswith("/v2/video/query/")])
    stats = tiktok.statistics(asked)
    assert stats == {posted[0]: Statistics(1200, 48, 5), posted[1]: Statistics(0, 0, 0), posted[2]: Statistics(0, 0, 0)}
    assert len([r for r in tt.received if r.path.startswith("/v2/video/query/")]) - before == 2
    access, refresh, expiry = tt.grant(scope="user.info.basic,video.publish")  # an app that never asked for it
    narrow = TikTok(tiktok.client, Grant(access, refresh, expiry))
    with pytest.raises(PublishError, match="scope_not_authorized"):
        narrow.statistics(posted)


def test_the_creators_options_are_asked_first_and_a_privacy_level_it_lacks_is_refused_before_any_upload(tt, tmp_path):
    tiktok, _ = account(tt)
    media = video(tmp_path, 300_000)
    tt.privacy_options = ["SELF_ONLY"]  # as TikTok answers for an app it has not audited yet
    tt.comment_disabled = True
    with pytest.raises(PublishError, match="cannot post as public .*offers SELF_ONLY") as refused:
        tiktok.start(media, PostRequest("Public, please"))
    assert not refused.value.retriable and not tt.uploads
    post = tiktok.send(tiktok.start(media, POST), media)  # private: offered
    assert tt.posts[post.platform_id].post_info["disable_comment"] is True  # the creator's choice kept
    asked = [r.path for r in tt.received if r.path.startswith("/v2/post/publish/")]
    assert asked.index("/v2/post/publish/creator_info/query/") < asked.index("/v2/post/publish/video/init/")


def test_a_post_for_everyone_waits_for_moderation_and_its_id_comes_once_tiktok_gives_it(tt, tmp_path):
    """TikTok moderates a post for everyone before it gives its id ("in some cases a few hours").
    ``send`` does not wait for it: the post comes back unsettled once every byte is in (it used to
    answer it published with no id and no address); ``settle`` asks again, one status fetch a
    call, and gives the id and address once TikTok has them, or TikTok's reason when it refused
    the post. A status TikTok will not give after the last byte (its 30 fetches a minute spent)
    leaves the post unsettled instead of failing it."""
    tiktok, _ = account(tt)
    tt.moderating = True
    public = PostRequest("Why most clips fail", privacy="public")
    media = video(tmp_path, 400_000)
    session = tiktok.start(media, public)
    waiting = tiktok.send(session, media)
    assert not waiting.settled and waiting.url == "" and len(tt.posts) == 1  # every byte is in
    publish_id = waiting.platform_id
    fetches = [r for r in tt.received if r.path == "/v2/post/publish/status/fetch/"]
    assert len(fetches) == 2  # where the upload stood, and how it stands once the last byte is in
    assert tiktok.settle(session).settled is False
    tt.moderate(publish_id)
    done = tiktok.settle(session)
    [post_id] = tt.posts
    assert done.settled and done.platform_id == post_id and done.url == f"https://www.tiktok.com/video/{post_id}"

    refused = tiktok.start(media, public)
    [token] = tt.status_fetches
    tt.status_fetches[token] = [datetime.now(UTC)] * 29  # one fetch left this minute: where the upload stands
    unsettled = tiktok.send(refused, media)  # the status after the last byte answers 429
    assert not unsettled.settled and unsettled.url == "" and unsettled.platform_id != publish_id
    assert len([r for r in tt.received if r.path == "/v2/post/publish/status/fetch/"]) == len(fetches) + 4
    tt.status_fetches.clear()
    tt.moderate(unsettled.platform_id, "spam_risk_too_many_posts")
    with pytest.raises(PublishError, match="spam_risk_too_many_posts") as failed:
        tiktok.settle(refused)
    assert not failed.value.retriable
    private = tiktok.send(tiktok.start(media, POST), media)  # not moderated: its id at once
    assert private.settled and private.url.endswith(private.platform_id)
