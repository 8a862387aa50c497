"""Posting to YouTube through Google's own client, talking real HTTP to a stand-in that follows the
Data API's published protocol (``tests.standins.youtube``): resumable uploads in chunks, resuming a
session another worker started, an upload finished before its answer was stored found and not sent
again, tokens refreshed, a revoked grant asking for reconnection, the daily quota."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from streams.errors import AccountReconnectRequired, PostRefused, PublishError, QuotaExceeded, UploadSessionGone
from streams.publish.platform import PostRequest
from streams.publish.tokens import Grant
from streams.publish.youtube import CHUNK_UNIT, YouTube, YouTubeClient, next_quota_day, resource
from tests.standins.youtube import StandInYouTube

POST = PostRequest("Why most clips fail in the first three seconds", "From the talk.", ("clips", "editing"))


@pytest.fixture
def yt():
    with StandInYouTube() as server:
        yield server


@pytest.fixture
def clip(tmp_path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(os.urandom(2 * CHUNK_UNIT + 12345))  # three chunks, the last short
    return path


def account(yt: StandInYouTube, seconds: int | None = None) -> tuple[YouTube, Grant]:
    access, refresh, expiry = yt.grant(seconds)
    grant = Grant(access, refresh, expiry)
    client = YouTubeClient(yt.client_id, yt.client_secret, api_url=yt.api_url, token_url=yt.token_url,
                           chunk_bytes=CHUNK_UNIT, ca_certs=str(yt.ca_certs))
    return YouTube(client, grant), grant


def test_a_clip_goes_up_in_chunks_after_its_session_is_opened_without_a_byte(yt, clip):
    youtube, _ = account(yt)
    session = youtube.start(clip, POST)
    [opened] = yt.sessions.values()
    assert opened.data == b"" and opened.total == clip.stat().st_size  # nothing sent yet: it can be recorded first
    assert opened.resource["snippet"]["title"] == POST.title and "#Shorts" in opened.resource["snippet"]["description"]
    seen = []
    post = youtube.send(session, clip, lambda held, total: seen.append((held, total)))
    [video] = yt.videos.values()
    assert post.platform_id == video.video_id and video.size == clip.stat().st_size
    assert bytes(opened.data) == clip.read_bytes()
    assert post.url.endswith(video.video_id)
    assert [held for held, _ in seen] == [CHUNK_UNIT, 2 * CHUNK_UNIT, clip.stat().st_size]
    chunks = [r for r in yt.received if r.method == "PUT" and r.body]
    assert len(chunks) == 3


def test_a_second_worker_resumes_the_session_the_first_died_in(yt, clip):
    first, grant = account(yt)
    session = first.start(clip, POST)

    class Killed(BaseException):
        pass

    def die_after_first_chunk(held: int, total: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        first.send(session, clip, die_after_first_chunk)
    assert len(yt.sessions[next(iter(yt.sessions))].data) == CHUNK_UNIT and not yt.videos
    second = YouTube(first.client, grant)  # another process: only the recorded session and the grant
    post = second.send(session, clip)
    assert len(yt.videos) == 1 and yt.videos[post.platform_id].size == clip.stat().st_size
    assert bytes(next(iter(yt.sessions.values())).data) == clip.read_bytes()
    resumed = [r for r in yt.received if r.method == "PUT" and r.body]
    assert [r.headers["content-range"].split()[1].split("-")[0] for r in resumed] == [
        "0", str(CHUNK_UNIT), str(2 * CHUNK_UNIT)]  # nothing sent twice


def test_an_upload_finished_before_its_answer_was_stored_is_found_not_sent_again(yt, clip):
    youtube, grant = account(yt)
    session = youtube.start(clip, POST)
    post = youtube.send(session, clip)
    puts = len([r for r in yt.received if r.method == "PUT" and r.body])
    again = YouTube(youtube.client, grant).send(session, clip)
    assert again.platform_id == post.platform_id and len(yt.videos) == 1
    assert len([r for r in yt.received if r.method == "PUT" and r.body]) == puts


def test_settle_asks_how_a_session_stands_and_sends_nothing(yt, clip):
    youtube, _ = account(yt)
    session = youtube.start(clip, POST)
    with pytest.raises(PublishError, match="every byte") as partial:  # nothing sent yet
        youtube.settle(session)
    assert partial.value.retriable and not yt.videos
    post = youtube.send(session, clip)
    puts = len([r for r in yt.received if r.method == "PUT" and r.body])
    settled = youtube.settle(session)
    assert settled.settled and (settled.platform_id, settled.url) == (post.platform_id, post.url)
    assert len([r for r in yt.received if r.method == "PUT" and r.body]) == puts and len(yt.videos) == 1


def listings(yt: StandInYouTube) -> list[str]:
    return [r.path for r in yt.received if r.method == "GET" and r.path.startswith("/youtube/v3/videos")]


def test_a_post_is_published_only_once_youtube_has_processed_its_video(clip):
    """The upload's answer says ``uploaded``: YouTube has not processed the video, and its address
    does not play yet. ``send`` asks once how it stands and does not wait (a publisher's slot is
    not held for minutes): the post comes back unsettled; ``settle`` asks later, and a processed
    video is the post."""
    with StandInYouTube(process_seconds=3600) as yt:
        access, refresh, expiry = yt.grant()
        client = YouTubeClient(yt.client_id, yt.client_secret, api_url=yt.api_url, token_url=yt.token_url,
                               ca_certs=str(yt.ca_certs))
        youtube = YouTube(client, Grant(access, refresh, expiry))
        session = youtube.start(clip, POST)
        waiting = youtube.send(session, clip)
        [video_id] = yt.videos
        assert not waiting.settled and waiting.platform_id == video_id
        assert waiting.resource["status"]["uploadStatus"] == "uploaded"
        asked_while_sending = listings(yt)
        assert len(asked_while_sending) == 1 and "part=status" in asked_while_sending[0]  # once, no waiting
        assert not youtube.settle(session).settled  # still processing
        yt.process(video_id)
        done = youtube.settle(session)
    assert done.settled and (done.platform_id, done.url) == (video_id, f"https://www.youtube.com/shorts/{video_id}")
    assert done.resource["status"]["uploadStatus"] == "processed"
    assert len(yt.videos) == 1  # asking sent nothing


@pytest.mark.parametrize(
    ("verdict", "words"),
    [
        (lambda yt, v: yt.reject(v, "duplicate"), "rejected the video .*duplicates a video of the same channel"),
        (lambda yt, v: yt.fail(v, "codec"), "could not process the video .*codec is not supported"),
        (lambda yt, v: yt.delete(v), "no longer lists the video"),
    ],
    ids=["rejected", "failed", "deleted"],
)
def test_a_video_youtube_rejects_or_fails_after_its_upload_is_a_refused_post(clip, verdict, words):
    with StandInYouTube(process_seconds=3600) as yt:
        access, refresh, expiry = yt.grant()
        client = YouTubeClient(yt.client_id, yt.client_secret, api_url=yt.api_url, token_url=yt.token_url,
                               ca_certs=str(yt.ca_certs))
        youtube = YouTube(client, Grant(access, refresh, expiry))
        session = youtube.start(clip, POST)
        assert not youtube.send(session, clip).settled
        verdict(yt, next(iter(yt.videos)))
        with pytest.raises(PostRefused, match=words) as refused:
            youtube.settle(session)
    assert not refused.value.retriable and refused.value.code == "post_refused"


def test_an_expired_access_token_is_refreshed_and_the_new_grant_handed_back(yt, clip):
    youtube, grant = account(yt, seconds=-5)
    session = youtube.start(clip, POST)
    youtube.send(session, clip)
    assert yt.refreshed == 1 and len(yt.videos) == 1
    renewed = youtube.grant()
    assert renewed.access_token != grant.access_token and renewed.refresh_token == grant.refresh_token
    assert renewed.expires_at > datetime.now(UTC)


def test_a_token_expiring_mid_upload_is_refreshed_on_the_401(yt, clip):
    youtube, grant = account(yt)
    session = youtube.start(clip, POST)
    yt.expire(grant.access_token)  # the platform's clock says it expired, ours does not yet
    youtube.send(session, clip)
    assert yt.refreshed == 1 and len(yt.videos) == 1


def test_a_revoked_grant_asks_for_the_account_to_be_connected_again(yt, clip):
    youtube, grant = account(yt)
    yt.revoke(grant.refresh_token)
    yt.expire(grant.access_token)
    with pytest.raises(AccountReconnectRequired, match="connect the account again") as raised:
        youtube.start(clip, POST)
    assert raised.value.code == "account_reconnect_required" and not raised.value.retriable
    assert not yt.sessions


def test_a_spent_quota_waits_for_the_next_quota_day(clip):
    with StandInYouTube(inserts_per_day=1) as yt:
        youtube, _ = account(yt)
        youtube.start(clip, POST)
        with pytest.raises(QuotaExceeded) as raised:
            youtube.start(clip, POST)
    retry_at = raised.value.retry_at
    assert raised.value.retriable and retry_at > datetime.now(UTC)
    local = retry_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert (local.hour, local.minute) == (0, 0) and retry_at - datetime.now(UTC) <= timedelta(days=1)


def test_the_next_quota_day_begins_at_midnight_pacific_across_daylight_saving():
    winter = next_quota_day(datetime(2026, 1, 15, 20, 0, tzinfo=UTC))
    summer = next_quota_day(datetime(2026, 7, 15, 20, 0, tzinfo=UTC))
    assert winter == datetime(2026, 1, 16, 8, 0, tzinfo=UTC)
    assert summer == datetime(2026, 7, 16, 7, 0, tzinfo=UTC)


def test_a_scheduled_post_is_private_until_its_time_and_the_platform_checks_it(yt, clip):
    at = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    body = resource(PostRequest("Title", privacy="public", publish_at=at))
    assert body["status"] == {"privacyStatus": "private", "publishAt": "2026-12-01T17:30:00.000Z",
                              "selfDeclaredMadeForKids": False}
    youtube, _ = account(yt)
    youtube.send(youtube.start(clip, PostRequest("Title", publish_at=at)), clip)
    [video] = yt.videos.values()
    assert video.resource["status"]["publishAt"] == "2026-12-01T17:30:00.000Z"


def test_a_processed_scheduled_video_is_the_post_only_once_youtube_lists_it_public_at_its_time(yt, clip):
    """A scheduled video that YouTube has processed is still private, with its ``publishAt``, until
    its time: the post is not out, so it is unsettled; from its time YouTube lists it public and
    it is the post. A video uploaded private without a time is the post once processed."""
    at = datetime.now(UTC) + timedelta(seconds=3)
    youtube, _ = account(yt)
    session = youtube.start(clip, PostRequest("Scheduled", publish_at=at))
    waiting = youtube.send(session, clip)
    assert not waiting.settled and waiting.resource["status"]["uploadStatus"] == "processed"
    assert waiting.resource["status"]["privacyStatus"] == "private"
    assert not youtube.settle(session).settled
    while datetime.now(UTC) < at.replace(microsecond=0):
        time.sleep(0.1)
    out = youtube.settle(session)
    assert out.settled and out.resource["status"]["privacyStatus"] == "public"
    assert "publishAt" not in out.resource["status"]
    kept = youtube.send(youtube.start(clip, PostRequest("Kept to myself", privacy="private")), clip)
    assert kept.settled and kept.resource["status"]["privacyStatus"] == "private"


def test_a_session_the_platform_does_not_know_is_an_error_not_a_new_video(yt, clip):
    youtube, _ = account(yt)
    with pytest.raises(UploadSessionGone, match="404"):
        youtube.send(yt.api_url + "upload/youtube/v3/videos?uploadType=resumable&upload_id=gone", clip)
    assert not yt.videos


def test_statistics_are_read_back_as_numbers(yt, clip):
    youtube, _ = account(yt)
    post = youtube.send(youtube.start(clip, POST), clip)
    yt.videos[post.platform_id].statistics = {"viewCount": "1234", "likeCount": "56", "commentCount": "7"}
    stats = youtube.statistics([post.platform_id, "unknown"])
    assert list(stats) == [post.platform_id]
    assert (stats[post.platform_id].views, stats[post.platform_id].likes, stats[post.platform_id].comments) == (1234, 56, 7)
