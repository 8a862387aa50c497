"""Publishing clips exactly once (issue 52), on the stack's PostgreSQL and a stand-in YouTube
(``tests.standins.youtube``) that Google's client talks real HTTPS to: posts due now go out and
posts due later wait; a publisher killed with SIGKILL at ten points of its work is followed by one
that finishes, and every post ends on the platform once; two publishers share 50 posts due in the
same minute; a revoked grant fails its posts with ``account_reconnect_required``; grants are
unreadable in the database without the key."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from streams.publish import store
from streams.publish.platform import PostRequest
from streams.publish.tokens import Grant, TokenCipher, new_key
from streams.publish.youtube import CHUNK_UNIT
from streams.settings import project_root
from tests.standins.youtube import StandInYouTube

pytestmark = pytest.mark.integration

KEYS = new_key()


def run(coro):
    return asyncio.run(coro)


async def _sql(dsn: str, fn):
    conn = await asyncpg.connect(dsn)
    try:
        return await fn(conn)
    finally:
        await conn.close()


@pytest.fixture
def yt():
    with StandInYouTube() as server:
        yield server


@pytest.fixture
def clip_file(tmp_path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(os.urandom(2 * CHUNK_UNIT + 999))
    return path


@pytest.fixture
def tenant(stack):
    """A tenant with one rendered clip (rows only: the file is ``clip_file``)."""
    tenant_id, video_id, clip_id = (f"pub-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex, uuid.uuid4().hex[:16])

    async def make(conn):
        await conn.execute("INSERT INTO tenants (tenant_id, name) VALUES ($1, $1)", tenant_id)
        await conn.execute("INSERT INTO videos (video_id, tenant_id, filename, source_uri, size_bytes)"
                           " VALUES ($1, $2, 'talk.mp4', 'file:///x', 1)", video_id, tenant_id)
        await conn.execute(
            "INSERT INTO clips (clip_id, video_id, moment_id, aspect, start_s, end_s, duration, width, height,"
            " mp4_uri, srt_uri, vtt_uri, thumbnail_uri) VALUES ($1, $2, 'm', '9:16', 0, 30, 30, 1080, 1920,"
            " 'file:///c.mp4', 'file:///c.srt', 'file:///c.vtt', 'file:///c.jpg')", clip_id, video_id)

    run(_sql(stack.postgres_dsn, make))
    yield {"tenant_id": tenant_id, "clip_id": clip_id, "dsn": stack.postgres_dsn}
    async def remove(conn):
        await conn.execute("DELETE FROM videos WHERE tenant_id = $1", tenant_id)
        await conn.execute("DELETE FROM tenants WHERE tenant_id = $1", tenant_id)

    run(_sql(stack.postgres_dsn, remove))


def connect_account(tenant, yt) -> tuple[str, Grant]:
    access, refresh, expiry = yt.grant()
    grant = Grant(access, refresh, expiry)
    sealed = TokenCipher([KEYS]).seal(grant)

    async def add(conn):
        return await store.add_account(conn, tenant["tenant_id"], "youtube", "Test channel", sealed)

    return run(_sql(tenant["dsn"], add)).account_id, grant


def schedule(tenant, account_id: str, count: int, at: datetime) -> list[str]:
    async def add(conn):
        return [
            (await store.create_post(conn, tenant["tenant_id"], tenant["clip_id"], account_id,
                                     PostRequest(f"Clip {i}", tags=("t",)), at)).post_id
            for i in range(count)
        ]

    return run(_sql(tenant["dsn"], add))


def rows(tenant, post_ids):
    async def read(conn):
        return await conn.fetch("SELECT * FROM posts WHERE post_id = ANY($1::text[]) ORDER BY post_id", post_ids)

    return run(_sql(tenant["dsn"], read))


def publisher(tenant, yt, clip_file, posts, *, kill_at: str | None = None, lease: float = 2.0, seconds: float = 60):
    env = {
        **os.environ,
        "PUBLISH_DSN": tenant["dsn"],
        "PUBLISH_KEYS": KEYS,
        "PUBLISH_MEDIA": str(clip_file),
        "PUBLISH_YT": "|".join([yt.api_url, yt.token_url, str(yt.ca_certs), yt.client_id, yt.client_secret]),
        "PUBLISH_LEASE": str(lease),
        "PUBLISH_POSTS": ",".join(posts),
        "PUBLISH_SECONDS": str(seconds),
    }
    if kill_at:
        env["PUBLISH_KILL_AT"] = kill_at
    return subprocess.Popen([sys.executable, "-m", "tests.publisher_run"], cwd=project_root(), env=env)


def test_a_post_due_now_goes_out_and_one_due_later_waits(tenant, yt, clip_file):
    account_id, _ = connect_account(tenant, yt)
    now = datetime.now(UTC)
    due = schedule(tenant, account_id, 1, now - timedelta(seconds=1))
    later = schedule(tenant, account_id, 1, now + timedelta(hours=1))
    assert publisher(tenant, yt, clip_file, due).wait(timeout=60) == 0
    [published] = rows(tenant, due)
    [waiting] = rows(tenant, later)
    assert published["status"] == "published" and published["platform_id"] in yt.videos
    assert published["url"].endswith(published["platform_id"])
    assert waiting["status"] == "scheduled" and waiting["upload_session"] is None
    assert len(yt.videos) == 1 and yt.videos[published["platform_id"]].resource["snippet"]["title"] == "Clip 0"


KILL_POINTS = [
    "claimed:1", "session_opened:1", "session_recorded:1", "chunk:1", "chunk:2", "chunk:3",
    "uploaded:1", "recorded:1", "session_opened:2", "uploaded:2",
]


def test_a_publisher_killed_anywhere_is_followed_and_every_post_goes_out_once(tenant, yt, clip_file):
    """SIGKILL at ten points: before the session, once it is open but not recorded, once recorded,
    after each chunk (the last included: the platform holds the video, the answer is not stored),
    after the upload and after the record; then a publisher that is not killed finishes."""
    account_id, _ = connect_account(tenant, yt)
    posts = schedule(tenant, account_id, len(KILL_POINTS), datetime.now(UTC) - timedelta(seconds=1))
    codes = {}
    for point in KILL_POINTS:
        codes[point] = publisher(tenant, yt, clip_file, posts, kill_at=point).wait(timeout=60)
    # -9: killed there; 0: every post was done before the point came round (only the last ones may be)
    assert set(codes.values()) <= {-9, 0} and list(codes.values())[:8] == [-9] * 8, codes
    assert publisher(tenant, yt, clip_file, posts, seconds=90).wait(timeout=120) == 0
    done = rows(tenant, posts)
    assert [r["status"] for r in done] == ["published"] * len(posts)
    platform_ids = [r["platform_id"] for r in done]
    assert len(set(platform_ids)) == len(posts) and set(platform_ids) == set(yt.videos)  # none twice, none lost
    assert all(v.size == clip_file.stat().st_size for v in yt.videos.values())


def test_two_publishers_share_fifty_posts_due_in_one_minute(tenant, yt, clip_file):
    account_id, _ = connect_account(tenant, yt)
    at = datetime.now(UTC) + timedelta(seconds=5)
    posts = schedule(tenant, account_id, 50, at)
    workers = [publisher(tenant, yt, clip_file, posts, lease=30, seconds=90) for _ in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    done = rows(tenant, posts)
    assert all(r["status"] == "published" for r in done)
    assert len({r["platform_id"] for r in done}) == 50 == len(yt.videos)
    late = [(r["published_at"] - r["publish_at"]).total_seconds() for r in done]
    assert min(late) >= 0 and max(late) < 60, (min(late), max(late))


def test_a_revoked_grant_fails_its_post_and_asks_for_reconnection(tenant, yt, clip_file):
    account_id, grant = connect_account(tenant, yt)
    yt.revoke(grant.refresh_token)
    yt.expire(grant.access_token)
    posts = schedule(tenant, account_id, 1, datetime.now(UTC) - timedelta(seconds=1))
    assert publisher(tenant, yt, clip_file, posts).wait(timeout=60) == 0
    [failed] = rows(tenant, posts)
    assert (failed["status"], failed["error_code"]) == ("failed", "account_reconnect_required")

    async def status(conn):
        return await conn.fetchval("SELECT status FROM platform_accounts WHERE account_id = $1", account_id)

    assert run(_sql(tenant["dsn"], status)) == "reconnect_required" and not yt.videos


def test_an_expired_access_token_is_refreshed_and_the_new_grant_stored_sealed(tenant, yt, clip_file):
    access, refresh, _ = yt.grant(seconds=-5)
    grant = Grant(access, refresh, datetime.now(UTC) - timedelta(seconds=5))

    async def add(conn):
        return await store.add_account(conn, tenant["tenant_id"], "youtube", "c", TokenCipher([KEYS]).seal(grant))

    account_id = run(_sql(tenant["dsn"], add)).account_id
    posts = schedule(tenant, account_id, 1, datetime.now(UTC) - timedelta(seconds=1))
    assert publisher(tenant, yt, clip_file, posts).wait(timeout=60) == 0
    assert rows(tenant, posts)[0]["status"] == "published" and yt.refreshed == 1

    async def sealed(conn):
        return bytes(await conn.fetchval("SELECT grant_sealed FROM platform_accounts WHERE account_id = $1", account_id))

    stored = run(_sql(tenant["dsn"], sealed))
    assert access.encode() not in stored and refresh.encode() not in stored  # unreadable without the key
    renewed = TokenCipher([KEYS]).open(stored)
    assert renewed.access_token != access and renewed.refresh_token == refresh


def test_two_posts_due_together_renew_their_tiktok_accounts_rotating_grant_once(tenant, tmp_path):
    """TikTok rotates refresh tokens (a refresh answers a new one and the one sent stops working).
    Two posts of one account whose access token has expired, claimed in one batch: both go out, the
    grant is renewed once and the rotated one stored, and the account stays connected. (Each post
    used to refresh with the same token: the second was refused, its post failed and the account
    was marked for reconnection.) The account, stored without the creator's open_id (as those
    connected before it was kept are), learns it from the renewal's answer."""
    from streams.publish.publisher import Publisher, platforms
    from streams.publish.tiktok import MIN_CHUNK, TikTok, TikTokClient
    from tests.standins.tiktok import OPEN_ID, StandInTikTok

    media = tmp_path / "clip.mp4"
    media.write_bytes(os.urandom(1_000_000))
    cipher = TokenCipher([KEYS])
    with StandInTikTok() as tt:
        access, refresh, _ = tt.grant(seconds=-5)
        grant = Grant(access, refresh, datetime.now(UTC) - timedelta(seconds=5))

        async def add(conn):
            return await store.add_account(conn, tenant["tenant_id"], "tiktok", "creator", cipher.seal(grant))

        account_id = run(_sql(tenant["dsn"], add)).account_id
        posts = schedule(tenant, account_id, 2, datetime.now(UTC) - timedelta(seconds=1))
        client = TikTokClient(tt.client_key, tt.client_secret, api_url=tt.api_url, chunk_bytes=MIN_CHUNK,
                              ca_certs=str(tt.ca_certs))

        async def media_of(_post):
            return media

        async def go():
            pool = await asyncpg.create_pool(tenant["dsn"], min_size=1, max_size=4)
            try:
                pub = Publisher(pool, cipher, platforms({"tiktok": lambda g, renew: TikTok(client, g, renew)}),
                                media_of, retry_seconds=0)
                claimed = await pub.run_once()
                account = await pool.fetchrow("SELECT status, grant_sealed, platform_user_id FROM platform_accounts"
                                              " WHERE account_id = $1", account_id)
                return claimed, account, cipher.open(bytes(account["grant_sealed"]))
            finally:
                await pool.close()

        claimed, account, stored = run(go())
        honoured, refreshed, published = tt.grants.refresh.get(stored.refresh_token), tt.refreshed, len(tt.posts)
    assert claimed == 2 and [r["status"] for r in rows(tenant, posts)] == ["published", "published"]
    assert (account["status"], refreshed, published) == ("connected", 1, 2)
    assert account["platform_user_id"] == OPEN_ID and stored.user_id == OPEN_ID
    assert stored.refresh_token != refresh and honoured  # the rotated token, the one TikTok now honours


def test_a_tiktok_post_for_everyone_is_processing_while_moderated_then_published_with_its_address(tenant, tmp_path):
    """TikTok moderates a post for everyone before it gives its id (sometimes for hours). Such a
    post is ``processing`` (no attempt counted, no webhook yet) and is asked about again later:
    approved, it is published with TikTok's id and address and ``post.published`` says so; refused,
    it fails with TikTok's reason; never finished within the limit, it fails. (It used to be
    recorded as published at once, with no id and no address, and its statistics never found.)"""
    from streams.publish.publisher import Publisher, platforms
    from streams.publish.tiktok import TikTok, TikTokClient
    from tests.standins.tiktok import StandInTikTok

    media = tmp_path / "clip.mp4"
    media.write_bytes(os.urandom(300_000))
    cipher = TokenCipher([KEYS])
    announced: list = []
    with StandInTikTok() as tt:
        tt.moderating = True
        access, refresh, expiry = tt.grant()

        async def add(conn):
            grant = cipher.seal(Grant(access, refresh, expiry))
            return await store.add_account(conn, tenant["tenant_id"], "tiktok", "creator", grant)

        account_id = run(_sql(tenant["dsn"], add)).account_id
        approved, refused, undecided = schedule(tenant, account_id, 3, datetime.now(UTC) - timedelta(seconds=1))
        client = TikTokClient(tt.client_key, tt.client_secret, api_url=tt.api_url, ca_certs=str(tt.ca_certs))
        adapters = platforms({"tiktok": lambda g, renew: TikTok(client, g, renew)})

        async def media_of(_post):
            return media

        async def announce(post, published, error):
            announced.append((post.post_id, published.url if published else None, error.code if error else None))

        def status(pool):
            return pool.fetch("SELECT post_id, status, attempts, url, platform_id, error, next_attempt_at FROM posts"
                              " WHERE post_id = ANY($1::text[])", [approved, refused, undecided])

        async def go():
            pool = await asyncpg.create_pool(tenant["dsn"], min_size=1, max_size=4)
            try:
                pub = Publisher(pool, cipher, adapters, media_of, announce=announce, retry_seconds=0, batch=3)
                seen = {"claimed": await pub.run_once(), "sent": {r["post_id"]: dict(r) for r in await status(pool)}}
                seen["not yet due"] = await pub.check_processing()
                due_now = "UPDATE posts SET next_attempt_at = now() WHERE post_id = ANY($1::text[])"
                await pool.execute(due_now, [approved, refused, undecided])
                seen["asked while moderated"] = await pub.check_processing()
                seen["after asking"] = {r["post_id"]: dict(r) for r in await status(pool)}
                seen["asked at"] = datetime.now(UTC)
                sessions = {r["post_id"]: json.loads(r["upload_session"])["publish_id"]
                            for r in await pool.fetch("SELECT post_id, upload_session FROM posts"
                                                      " WHERE post_id = ANY($1::text[])", [approved, refused])}
                tt.moderate(sessions[approved])
                tt.moderate(sessions[refused], "duet_react_permission_denied")
                await pool.execute(due_now, [approved, refused])
                seen["asked after moderation"] = await pub.check_processing()
                impatient = Publisher(pool, cipher, adapters, media_of, announce=announce,
                                      processing_limit=timedelta(0))
                await pool.execute(due_now, [undecided])
                seen["asked past the limit"] = await impatient.check_processing()
                seen["end"] = {r["post_id"]: dict(r) for r in await status(pool)}
                return seen
            finally:
                await pool.close()

        seen = run(go())
        [approved_id] = [u.post_id for u in tt.uploads.values() if u.verdict == "approved"]
    sent, asked, end = seen["sent"], seen["after asking"], seen["end"]
    assert seen["claimed"] == 3 and {r["status"] for r in sent.values()} == {"processing"}
    assert all(r["url"] is None and r["platform_id"] is None and r["attempts"] == 1 for r in sent.values())
    assert (seen["not yet due"], seen["asked while moderated"]) == (0, 3)
    assert {r["status"] for r in asked.values()} == {"processing"}
    # asked again in 10 s: a tenth of the wait so far, at least 10 s
    at = seen["asked at"]
    assert all(at + timedelta(seconds=5) < r["next_attempt_at"] <= at + timedelta(seconds=10) for r in asked.values())
    assert (seen["asked after moderation"], seen["asked past the limit"]) == (2, 1)
    url = f"https://www.tiktok.com/video/{approved_id}"
    assert (end[approved]["status"], end[approved]["platform_id"], end[approved]["url"]) == ("published", approved_id,
                                                                                            url)
    assert end[refused]["status"] == "failed" and "duet_react_permission_denied" in end[refused]["error"]
    assert end[undecided]["status"] == "failed" and "had not finished" in end[undecided]["error"]
    assert all(r["attempts"] == 1 for r in end.values())  # waiting counted no attempt
    assert sorted(announced) == sorted([(approved, url, None), (refused, None, "post_refused"),
                                        (undecided, None, "publish_failed")])


def test_a_youtube_video_is_published_once_processed_and_one_youtube_rejects_is_uploaded_again_on_retry(
        tenant, clip_file):
    """YouTube processes a video after its upload, then plays it, or rejects it (a duplicate in the
    channel, a copyright claim) or fails it (a codec it cannot read). A post is ``processing`` until
    then, published once processed, and failed with ``post_refused`` when rejected; that upload is
    over, so its session is forgotten and a retry uploads the clip again. (A rejected video used to
    be recorded as published, with an address that never played.)"""
    from streams.publish.publisher import Publisher, platforms
    from streams.publish.youtube import YouTube, YouTubeClient

    announced: list = []
    released: list = []  # posts whose clip the worker may delete: every byte is on the platform, or it ended
    with StandInYouTube(process_seconds=3600) as yt:
        account_id, _ = connect_account(tenant, yt)
        plays, rejected = schedule(tenant, account_id, 2, datetime.now(UTC) - timedelta(seconds=1))
        client = YouTubeClient(yt.client_id, yt.client_secret, api_url=yt.api_url, token_url=yt.token_url,
                               ca_certs=str(yt.ca_certs))
        adapters = platforms({"youtube": lambda g, _renew: YouTube(client, g)})

        async def media_of(_post):
            return clip_file

        async def announce(post, published, error):
            announced.append((post.post_id, published.url if published else None, error.code if error else None))

        async def media_done(post):
            released.append(post.post_id)

        async def go():
            pool = await asyncpg.create_pool(tenant["dsn"], min_size=1, max_size=4)
            try:
                pub = Publisher(pool, TokenCipher([KEYS]), adapters, media_of, announce=announce, retry_seconds=0,
                                media_done=media_done)
                seen = {"claimed": await pub.run_once(), "released": sorted(released), "announced": list(announced)}
                seen["sent"] = {r["post_id"]: dict(r) for r in await _posts(pool, [plays, rejected])}
                by_title = {v.resource["snippet"]["title"]: k for k, v in yt.videos.items()}
                titles = {r["post_id"]: r["title"] for r in seen["sent"].values()}
                videos = {post: by_title[titles[post]] for post in (plays, rejected)}
                yt.process(videos[plays])
                yt.reject(videos[rejected], "duplicate")
                await pool.execute("UPDATE posts SET next_attempt_at = now() WHERE post_id = ANY($1::text[])",
                                   [plays, rejected])
                seen["asked"] = await pub.check_processing()
                seen["verdicts"] = {r["post_id"]: dict(r) for r in await _posts(pool, [plays, rejected])}
                async with pool.acquire() as conn:
                    seen["retried"] = await store.retry(conn, tenant["tenant_id"], rejected) is not None
                yt.process_seconds = 0
                seen["claimed again"] = await pub.run_once()
                seen["end"] = {r["post_id"]: dict(r) for r in await _posts(pool, [plays, rejected])}
                return seen, videos
            finally:
                await pool.close()

        seen, videos = run(go())
        uploaded = len(yt.videos)
    sent, verdicts, end = seen["sent"], seen["verdicts"], seen["end"]
    assert seen["claimed"] == 2 and {r["status"] for r in sent.values()} == {"processing"}
    assert all(r["url"] is None and r["platform_id"] is None for r in sent.values())
    assert seen["released"] == sorted([plays, rejected]) and not seen["announced"]  # processing: no file needed, no webhook
    assert seen["asked"] == 2
    url = f"https://www.youtube.com/shorts/{videos[plays]}"
    assert (verdicts[plays]["status"], verdicts[plays]["platform_id"], verdicts[plays]["url"]) == ("published",
                                                                                                  videos[plays], url)
    assert (verdicts[rejected]["status"], verdicts[rejected]["error_code"]) == ("failed", "post_refused")
    assert "duplicate" in verdicts[rejected]["error"] and verdicts[rejected]["upload_session"] is None
    assert seen["retried"] and seen["claimed again"] == 1 and uploaded == 3  # the retry uploaded it again
    again = end[rejected]
    assert again["status"] == "published" and again["platform_id"] not in videos.values()
    assert sorted(announced, key=str) == sorted([(plays, url, None), (rejected, None, "post_refused"),
                                                 (rejected, again["url"], None)], key=str)


def _a_post_for_later(tenant, clip_file, yt, seconds: float, early, at_its_time):
    """A public post to ``yt``'s channel due now and wanted ``seconds`` later, and a publisher in
    this process that may schedule it (lead 2 s): ``early(pub, pool, post_id)`` runs at once,
    ``at_its_time(...)`` once its time has come, each giving a dict of what it saw. Returns the
    post's id, its time, what both saw (``early``, ``at its time``, the post's row after each:
    ``row early``, ``end``) and what was announced."""
    from streams.publish.publisher import Publisher, platforms
    from streams.publish.youtube import YouTube, YouTubeClient

    announced: list = []
    account_id, _ = connect_account(tenant, yt)
    client = YouTubeClient(yt.client_id, yt.client_secret, api_url=yt.api_url, token_url=yt.token_url,
                           ca_certs=str(yt.ca_certs))
    adapters = platforms({"youtube": lambda g, _renew: YouTube(client, g)})
    at = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)

    async def media_of(_post):
        return clip_file

    async def announce(post, published, error):
        announced.append((post.post_id, published.url if published else None, error.code if error else None))

    async def go():
        pool = await asyncpg.create_pool(tenant["dsn"], min_size=1, max_size=4)
        try:
            async with pool.acquire() as conn:
                made = await store.create_post(conn, tenant["tenant_id"], tenant["clip_id"], account_id,
                                               PostRequest("Out at its time"), at, datetime.now(UTC))
            pub = Publisher(pool, TokenCipher([KEYS]), adapters, media_of, announce=announce,
                            schedule_lead=timedelta(seconds=2))
            seen = {"early": await early(pub, pool, made.post_id), "announced early": list(announced)}
            seen["row early"] = dict((await _posts(pool, [made.post_id]))[0])
            await asyncio.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()) + 0.2)
            seen["at its time"] = await at_its_time(pub, pool, made.post_id)
            seen["end"] = dict((await _posts(pool, [made.post_id]))[0])
            return made.post_id, seen
        finally:
            await pool.close()

    post_id, seen = run(go())
    return post_id, at, seen, announced


def test_a_public_youtube_post_is_uploaded_ahead_and_youtube_makes_it_public_at_its_time(tenant, clip_file):
    """A public YouTube post is begun before its time (``platform.UPLOADS_AHEAD``) and handed that
    time (``status.publishAt``, private until then, as the API requires), so YouTube makes it
    public on the minute though the upload and its processing take minutes. It is ``processing``,
    with no address and no webhook, until YouTube lists it public; it is asked about at its time,
    then published with one ``post.published``. (Before, a scheduled post was uploaded only at its
    time, and public only once YouTube had processed it.)"""

    async def early(pub, _pool, _post_id):
        return {"claimed": await pub.run_once(), "asked": await pub.check_processing()}

    async def at_its_time(pub, _pool, _post_id):
        return {"asked": await pub.check_processing()}

    with StandInYouTube() as yt:  # processes a video at once: the wait is the schedule's
        post_id, at, seen, announced = _a_post_for_later(tenant, clip_file, yt, 8, early, at_its_time)
        (video,) = yt.videos.values()
    sent = video.resource["status"]
    assert (sent["privacyStatus"], sent["publishAt"]) == ("private", at.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    uploaded = seen["row early"]
    assert seen["early"] == {"claimed": 1, "asked": 0} and not seen["announced early"]
    assert (uploaded["status"], uploaded["url"], uploaded["next_attempt_at"]) == ("processing", None, at)
    end = seen["end"]
    url = f"https://www.youtube.com/shorts/{video.video_id}"
    assert seen["at its time"] == {"asked": 1} and (end["status"], end["url"]) == ("published", url)
    assert end["published_at"] >= at and announced == [(post_id, url, None)]
    assert video.status()["privacyStatus"] == "public"


def test_a_time_youtube_will_not_schedule_is_kept_by_posting_the_clip_at_that_time(tenant, clip_file):
    """Should YouTube refuse the time a post is to be scheduled for (``invalidPublishAt``: the
    reference states no rule on the time, but a refusal must not lose the post), the post waits,
    ``scheduled`` with ``schedule_refused``, until its time, and is then posted public at once,
    as posts were before scheduling: one video, one ``post.published``."""
    with StandInYouTube() as yt:
        yt.schedules = False

        async def early(pub, _pool, _post_id):
            return {"claimed": await pub.run_once(), "claimed again": await pub.run_once(), "videos": len(yt.videos)}

        async def at_its_time(pub, _pool, _post_id):
            return {"claimed": await pub.run_once()}

        post_id, at, seen, announced = _a_post_for_later(tenant, clip_file, yt, 6, early, at_its_time)
        videos = list(yt.videos.values())
    refused = seen["row early"]
    assert seen["early"] == {"claimed": 1, "claimed again": 0, "videos": 0} and not seen["announced early"]
    assert (refused["status"], refused["error_code"], refused["next_attempt_at"]) == ("scheduled", "schedule_refused", at)
    assert refused["upload_session"] is None and seen["at its time"] == {"claimed": 1}
    [video] = videos
    assert video.resource["status"]["privacyStatus"] == "public" and "publishAt" not in video.resource["status"]
    end = seen["end"]
    url = f"https://www.youtube.com/shorts/{video.video_id}"
    assert (end["status"], end["url"], end["error_code"]) == ("published", url, None)
    assert end["published_at"] >= at and announced == [(post_id, url, None)]


async def _posts(pool, post_ids):
    return await pool.fetch("SELECT * FROM posts WHERE post_id = ANY($1::text[])", post_ids)


def _in_process(tenant, yt, clip_file, reported: list, **options):
    """A publisher in this process (its statistics reported into ``reported``), and its pool."""
    from streams.publish.publisher import Publisher, platforms
    from streams.publish.youtube import YouTube, YouTubeClient

    client = YouTubeClient(yt.client_id, yt.client_secret, api_url=yt.api_url, token_url=yt.token_url,
                           ca_certs=str(yt.ca_certs), chunk_bytes=CHUNK_UNIT)

    async def media_of(_post):
        return clip_file

    async def report(tracked, counts):
        reported.append((tracked.post.post_id, tracked.video_id, tracked.platform, counts))

    async def make():
        pool = await asyncpg.create_pool(tenant["dsn"], min_size=1, max_size=4)
        return pool, Publisher(pool, TokenCipher([KEYS]), platforms({"youtube": lambda g, _renew: YouTube(client, g)}),
                               media_of, report_stats=report, retry_seconds=0, **options)

    return make


def test_published_posts_statistics_are_fetched_on_their_schedule_and_a_revoked_grant_stops_them(
        tenant, yt, clip_file):
    from streams.publish.platform import Statistics

    account_id, grant = connect_account(tenant, yt)
    posts = schedule(tenant, account_id, 2, datetime.now(UTC) - timedelta(seconds=1))
    assert publisher(tenant, yt, clip_file, posts).wait(timeout=60) == 0
    published = {r["post_id"]: r["platform_id"] for r in rows(tenant, posts)}
    yt.videos[published[posts[0]]].statistics = {"viewCount": "1234", "likeCount": "56", "commentCount": "7"}
    reported: list = []

    async def go():
        pool, pub = await _in_process(tenant, yt, clip_file, reported, stats_seconds=3600)()
        try:  # posts other tests of this stack published are not this test's to count
            await pool.execute("UPDATE posts SET stats_due_at = now() + interval '1 day'"
                               " WHERE status = 'published' AND NOT post_id = ANY($1::text[])", posts)
            first = await pub.collect_stats()
            again = await pub.collect_stats()  # fetched a moment ago: not due for an hour
            await pool.execute("UPDATE posts SET stats_due_at = now() WHERE post_id = ANY($1::text[])", posts)
            yt.revoke(grant.refresh_token)
            yt.expire(grant.access_token)
            third = await pub.collect_stats()
            status = await pool.fetchval("SELECT status FROM platform_accounts WHERE account_id = $1", account_id)
            due = await pool.fetchval("SELECT min(stats_due_at) FROM posts WHERE post_id = ANY($1::text[])", posts)
            return first, again, third, status, due
        finally:
            await pool.close()

    first, again, third, status, due = run(go())
    assert (first, again, third) == (2, 0, 2)
    assert sorted((p, platform, c) for p, _, platform, c in reported) == sorted([
        (posts[0], "youtube", Statistics(1234, 56, 7)), (posts[1], "youtube", Statistics(0, 0, 0))])
    assert {video for _, video, _, _ in reported} == {_video_of(tenant)}
    assert status == "reconnect_required" and len(reported) == 2  # nothing reported once the grant is gone
    assert due > datetime.now(UTC) + timedelta(minutes=59)  # and the next try waits its turn


def _video_of(tenant) -> str:
    async def read(conn):
        return await conn.fetchval("SELECT video_id FROM clips WHERE clip_id = $1", tenant["clip_id"])

    return run(_sql(tenant["dsn"], read))


def test_a_post_that_keeps_failing_in_a_retriable_way_fails_for_good_after_its_attempts(tenant, yt, clip_file):
    from streams.errors import PublishError
    from streams.publish.publisher import Publisher

    account_id, _ = connect_account(tenant, yt)
    [post] = schedule(tenant, account_id, 1, datetime.now(UTC) - timedelta(seconds=1))

    class Down:
        name = "youtube"

        def start(self, media, request):
            raise PublishError("the platform answered 503", retriable=True)

        def grant(self):
            raise AssertionError("nothing was sent, so no grant is stored again")

    async def media_of(_post):
        return clip_file

    async def go():
        pool = await asyncpg.create_pool(tenant["dsn"], min_size=1, max_size=4)
        try:
            pub = Publisher(pool, TokenCipher([KEYS]), lambda name, grant, renew: Down(), media_of, retry_seconds=0,
                            max_attempts=3)
            states = []
            for _ in range(4):
                await pub.run_once()
                states.append(await pool.fetchval("SELECT status FROM posts WHERE post_id = $1", post))
            return states
        finally:
            await pool.close()

    assert run(go()) == ["scheduled", "scheduled", "failed", "failed"]
    assert rows(tenant, [post])[0]["error_code"] == "publish_failed"
