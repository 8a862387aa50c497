"""Platform accounts and posts in PostgreSQL (``schemas/postgres/0016``).

Every function takes a connection, so it works under either role: the API's (row-level security)
and the publisher's owner role; functions on one tenant's rows filter by ``tenant_id`` too.

Publishing is claimed, not locked (as webhook deliveries are: ``streams.webhooks.store``):
``claim_due`` picks due posts with ``FOR UPDATE SKIP LOCKED`` and, in the same statement, counts
the attempt and pushes ``next_attempt_at`` out by a lease; a publisher extends its lease while it
uploads. Every later write names the attempt it claimed and changes nothing when another claim
has come since (``attempts`` moved on). The upload session is recorded once, before a byte is
sent (``record_session``: only while none is recorded), so whichever publisher comes next sends
into the same session and the platform makes one video of it.

A post the platform has every byte of but has not finished (TikTok moderating a post for
everyone) is ``processing`` (``record_processing``): no attempt is counted while it waits.
``claim_processing`` hands such posts out to be asked about, each pushed out in the same
statement by a tenth of how long it has been processing (30 s to 15 min); the answer is written
only while the post is still ``processing``, so two publishers asking at once record it once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from streams.adapters.db import from_jsonb
from streams.domain.posts import Account, Post
from streams.publish.platform import PostRequest, Published


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _post(record: asyncpg.Record | None) -> Post | None:
    return None if record is None else Post.from_row(dict(record, tags=from_jsonb(record["tags"])))


# -- accounts --------------------------------------------------------------------------------------
async def add_account(
    conn: asyncpg.Connection, tenant_id: str, platform: str, name: str, sealed: bytes, user_id: str | None = None
) -> Account:
    row = await conn.fetchrow(
        "INSERT INTO platform_accounts (account_id, tenant_id, platform, name, grant_sealed, platform_user_id)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        new_id("acc"),
        tenant_id,
        platform,
        name,
        sealed,
        user_id,
    )
    return Account.from_row(row)


async def account(conn: asyncpg.Connection, tenant_id: str, account_id: str) -> Account | None:
    row = await conn.fetchrow(
        "SELECT * FROM platform_accounts WHERE tenant_id = $1 AND account_id = $2", tenant_id, account_id
    )
    return None if row is None else Account.from_row(row)


async def sealed_grant(conn: asyncpg.Connection, account_id: str) -> tuple[Account, bytes] | None:
    """An account and its sealed grant (the publisher's read)."""
    row = await conn.fetchrow("SELECT * FROM platform_accounts WHERE account_id = $1", account_id)
    return None if row is None else (Account.from_row(row), bytes(row["grant_sealed"]))


async def locked_grant(conn: asyncpg.Connection, account_id: str) -> bytes | None:
    """An account's sealed grant, its row locked until the caller's transaction ends (a renewal's
    read: ``streams.publish.renewal``); None if the account is gone."""
    sealed = await conn.fetchval(
        "SELECT grant_sealed FROM platform_accounts WHERE account_id = $1 FOR UPDATE", account_id
    )
    return None if sealed is None else bytes(sealed)


async def store_grant(
    conn: asyncpg.Connection, account_id: str, sealed: bytes, user_id: str | None = None, name: str | None = None
) -> None:
    """A grant the platform renewed (or one connected again: the account is ``connected``, with the
    platform's id of the person and the account's name as the platform now gives them)."""
    await conn.execute(
        "UPDATE platform_accounts SET grant_sealed = $2, status = 'connected', updated_at = now(),"
        " platform_user_id = coalesce($3, platform_user_id), name = coalesce($4, name) WHERE account_id = $1",
        account_id,
        sealed,
        user_id,
        name,
    )


async def needs_reconnect(conn: asyncpg.Connection, account_id: str) -> None:
    await conn.execute(
        "UPDATE platform_accounts SET status = 'reconnect_required', updated_at = now() WHERE account_id = $1",
        account_id,
    )


async def accounts(conn: asyncpg.Connection, tenant_id: str) -> list[Account]:
    rows = await conn.fetch(
        "SELECT * FROM platform_accounts WHERE tenant_id = $1 ORDER BY created_at, account_id", tenant_id
    )
    return [Account.from_row(r) for r in rows]


async def remove_account(conn: asyncpg.Connection, tenant_id: str, account_id: str) -> bool:
    """Forget an account, its grant and its posts."""
    done = await conn.execute(
        "DELETE FROM platform_accounts WHERE tenant_id = $1 AND account_id = $2", tenant_id, account_id
    )
    return done == "DELETE 1"


async def begin_connection(
    conn: asyncpg.Connection, tenant_id: str, platform: str, state: str, verifier: str, account_id: str | None
) -> None:
    await conn.execute("DELETE FROM account_connections WHERE created_at < now() - interval '1 day'")
    await conn.execute(
        "INSERT INTO account_connections (state, tenant_id, platform, verifier, account_id) VALUES ($1, $2, $3, $4, $5)",
        state,
        tenant_id,
        platform,
        verifier,
        account_id,
    )


async def take_connection(conn: asyncpg.Connection, state: str, within_seconds: float) -> asyncpg.Record | None:
    """The connection begun with ``state`` (used once: it is gone after) and whether it is still
    fresh, found without a tenant (``take_account_connection``, migration 0017)."""
    return await conn.fetchrow("SELECT * FROM take_account_connection($1, $2)", state, float(within_seconds))


# -- posts -----------------------------------------------------------------------------------------
async def create_post(
    conn: asyncpg.Connection,
    tenant_id: str,
    clip_id: str,
    account_id: str,
    request: PostRequest,
    publish_at: datetime,
    due_at: datetime | None = None,
) -> Post:
    """A scheduled post wanted public at ``publish_at``, which the publisher begins at ``due_at``
    (default: then; ``platform.due_at``)."""
    row = await conn.fetchrow(
        "INSERT INTO posts (post_id, tenant_id, clip_id, account_id, title, description, tags, privacy,"
        " publish_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) RETURNING *",
        new_id("pst"),
        tenant_id,
        clip_id,
        account_id,
        request.title,
        request.description,
        json.dumps(list(request.tags)),
        request.privacy,
        publish_at,
        due_at or publish_at,
    )
    post = _post(row)
    assert post is not None
    return post


async def post(conn: asyncpg.Connection, tenant_id: str, post_id: str) -> Post | None:
    return _post(await conn.fetchrow("SELECT * FROM posts WHERE tenant_id = $1 AND post_id = $2", tenant_id, post_id))


async def posts(conn: asyncpg.Connection, tenant_id: str, clip_id: str | None = None, limit: int = 100) -> list[Post]:
    rows = await conn.fetch(
        "SELECT * FROM posts WHERE tenant_id = $1 AND ($2::text IS NULL OR clip_id = $2)"
        " ORDER BY publish_at DESC, post_id LIMIT $3",
        tenant_id,
        clip_id,
        limit,
    )
    return [p for p in map(_post, rows) if p is not None]


async def cancel(conn: asyncpg.Connection, tenant_id: str, post_id: str) -> Post | None:
    """Cancel a post not yet claimed (None when it is publishing, published or gone)."""
    return _post(
        await conn.fetchrow(
            "UPDATE posts SET status = 'cancelled' WHERE tenant_id = $1 AND post_id = $2"
            " AND status IN ('scheduled', 'failed') AND upload_session IS NULL RETURNING *",
            tenant_id,
            post_id,
        )
    )


async def retry(conn: asyncpg.Connection, tenant_id: str, post_id: str) -> Post | None:
    """A failed post due again now (None when it has not failed)."""
    return _post(
        await conn.fetchrow(
            "UPDATE posts SET status = 'scheduled', next_attempt_at = now(), error_code = NULL, error = NULL"
            " WHERE tenant_id = $1 AND post_id = $2 AND status = 'failed' RETURNING *",
            tenant_id,
            post_id,
        )
    )


async def claim_due(conn: asyncpg.Connection, limit: int, lease_seconds: float) -> list[Post]:
    """Up to ``limit`` due posts, each claimed: its attempt counted, leased for ``lease_seconds``."""
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT post_id FROM posts
            WHERE status IN ('scheduled', 'publishing') AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE posts p SET status = 'publishing', attempts = p.attempts + 1,
                           next_attempt_at = now() + make_interval(secs => $2)
        FROM due WHERE p.post_id = due.post_id
        RETURNING p.*
        """,
        limit,
        float(lease_seconds),
    )
    return [p for p in map(_post, rows) if p is not None]


def _claimed(post: Post) -> tuple[str, int]:
    return post.post_id, post.attempts


async def record_session(conn: asyncpg.Connection, post: Post, session: str) -> bool:
    """Record the upload session of the claimed ``post``; False when another claim came since or
    a session is recorded already (the caller then sends nothing into its own)."""
    done = await conn.execute(
        "UPDATE posts SET upload_session = $3 WHERE post_id = $1 AND attempts = $2 AND status = 'publishing'"
        " AND upload_session IS NULL",
        *_claimed(post),
        session,
    )
    return done == "UPDATE 1"


async def extend_lease(conn: asyncpg.Connection, post: Post, lease_seconds: float) -> bool:
    done = await conn.execute(
        "UPDATE posts SET next_attempt_at = now() + make_interval(secs => $3)"
        " WHERE post_id = $1 AND attempts = $2 AND status = 'publishing'",
        *_claimed(post),
        float(lease_seconds),
    )
    return done == "UPDATE 1"


async def record_published(conn: asyncpg.Connection, post: Post, published: Published) -> bool:
    """The post is on the platform. Written whatever claim came since: the platform made one video
    of the one session, so any claim's answer is the same video."""
    done = await conn.execute(
        "UPDATE posts SET status = 'published', platform_id = $2, url = $3, published_at = now(),"
        " stats_due_at = now(), error_code = NULL, error = NULL"
        " WHERE post_id = $1 AND status IN ('publishing', 'processing', 'scheduled', 'failed')",
        post.post_id,
        published.platform_id,
        published.url,
    )
    return done == "UPDATE 1"


# A processing post's own time while it is ahead, else NULL (which PostgreSQL's ``least`` skips):
# a post the platform makes public at its time is asked about then.
_ITS_TIME_AHEAD = "CASE WHEN publish_at > now() THEN publish_at END"


async def record_processing(conn: asyncpg.Connection, post: Post) -> bool:
    """The platform has every byte of the claimed ``post`` and is finishing it: ``processing``,
    asked about again in 10 s, or at its time if that comes sooner (``claim_processing``)."""
    done = await conn.execute(
        "UPDATE posts SET status = 'processing', processing_since = coalesce(processing_since, now()),"
        f" next_attempt_at = least(now() + interval '10 seconds', {_ITS_TIME_AHEAD}),"
        " error_code = NULL, error = NULL"
        " WHERE post_id = $1 AND attempts = $2 AND status = 'publishing'",
        *_claimed(post),
    )
    return done == "UPDATE 1"


async def claim_processing(conn: asyncpg.Connection, limit: int) -> list[Post]:
    """Up to ``limit`` processing posts due to be asked about, each pushed out by a tenth of how
    long it has been processing (at least 10 s, at most 15 min: a platform that finishes a post in
    seconds is asked within seconds; one that takes hours is asked a few times an hour), and no
    later than its time while that is ahead (a post the platform makes public then is asked then)."""
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT post_id FROM posts WHERE status = 'processing' AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE posts p SET next_attempt_at = least(
            now() + least(greatest((now() - p.processing_since) / 10, interval '10 seconds'), interval '15 minutes'),
            """
        + _ITS_TIME_AHEAD
        + """)
        FROM due WHERE p.post_id = due.post_id
        RETURNING p.*
        """,
        limit,
    )
    return [p for p in map(_post, rows) if p is not None]


async def processing_failed(
    conn: asyncpg.Connection, post: Post, code: str, message: str, forget_session: bool = False
) -> bool:
    """The platform refused the processing ``post`` (or never finished it): failed for good; its
    session forgotten when the platform's post of it is over (a retry then uploads again)."""
    done = await conn.execute(
        "UPDATE posts SET status = 'failed', error_code = $2, error = $3,"
        " upload_session = CASE WHEN $4 THEN NULL ELSE upload_session END"
        " WHERE post_id = $1 AND status = 'processing'",
        post.post_id,
        code,
        message[:1000],
        forget_session,
    )
    return done == "UPDATE 1"


async def record_failure(
    conn: asyncpg.Connection,
    post: Post,
    code: str,
    message: str,
    retry_at: datetime | None = None,
    forget_session: bool = False,
) -> bool:
    """The claimed attempt failed: due again at ``retry_at`` (its session kept, unless the platform
    no longer knows it), else failed for good."""
    done = await conn.execute(
        "UPDATE posts SET status = CASE WHEN $5::timestamptz IS NULL THEN 'failed' ELSE 'scheduled' END,"
        " next_attempt_at = coalesce($5, next_attempt_at), error_code = $3, error = $4,"
        " upload_session = CASE WHEN $6 THEN NULL ELSE upload_session END"
        " WHERE post_id = $1 AND attempts = $2 AND status = 'publishing'",
        *_claimed(post),
        code,
        message[:1000],
        retry_at,
        forget_session,
    )
    return done == "UPDATE 1"


@dataclass(frozen=True)
class Tracked:
    """A published post whose statistics are due, with what its event names: the clip's video and
    the account's platform."""

    post: Post
    video_id: str
    platform: str


async def claim_stats_due(conn: asyncpg.Connection, limit: int, every_seconds: float) -> list[Tracked]:
    """Up to ``limit`` published posts whose statistics are due, each pushed out by
    ``every_seconds`` in the same statement (a post published over a week ago: a day at least),
    so no other worker fetches them meanwhile."""
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT post_id FROM posts
            WHERE status = 'published' AND stats_due_at <= now() AND platform_id IS NOT NULL
            ORDER BY stats_due_at LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE posts p SET stats_due_at = now() + CASE
                WHEN p.published_at < now() - interval '7 days' THEN greatest(make_interval(secs => $2), interval '1 day')
                ELSE make_interval(secs => $2) END
        FROM due, clips c, platform_accounts a
        WHERE p.post_id = due.post_id AND c.clip_id = p.clip_id AND a.account_id = p.account_id
        RETURNING p.*, c.video_id AS video_id_, a.platform AS platform_
        """,
        limit,
        float(every_seconds),
    )
    found = []
    for row in rows:
        post = _post(row)
        if post is not None:
            found.append(Tracked(post, row["video_id_"], row["platform_"]))
    return found


async def due_count(conn: asyncpg.Connection, post_ids: Sequence[str]) -> int:
    """How many of ``post_ids`` are still to publish (tests and the operator's view)."""
    return await conn.fetchval(
        "SELECT count(*) FROM posts WHERE post_id = ANY($1::text[]) AND status IN ('scheduled', 'publishing', 'processing')",
        list(post_ids),
    )
