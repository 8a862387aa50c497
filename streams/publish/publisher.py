"""The publisher: claims due posts and puts each on its platform exactly once.

For a claimed post (``store.claim_due``): the account's grant is opened (``tokens``), the
platform's adapter built, and then (a public post to a platform that schedules, YouTube, is due
``platform.UPLOADS_AHEAD`` before its time and handed that time: ``platform.scheduled``)

1. the upload session is the one recorded, or a new one is opened (no byte sent) and recorded
   before anything else: if another claim recorded one meanwhile, this one is left unused;
2. the clip is sent into the session from where the platform says it stands, the lease extended
   as bytes go (a platform that already holds every byte answers with the video at once);
3. the post is recorded as published; or, when the platform has every byte but has not finished
   the post (TikTok moderates a post for everyone before it gives its id; YouTube processes a
   video, and may reject it, before it plays, and makes a scheduled one public at its time), as
   ``processing``, and the claim ends there, so a post the platform takes minutes to finish holds
   none of the ``batch`` slots meanwhile: ``check_processing`` asks again within seconds, seldomer
   as the wait grows (and at a scheduled post's time), and records it published or refused
   (``post.published`` or ``post.failed`` then), or failed after ``processing_limit``.

A grant the platform renews on the way is stored as soon as it is renewed, by one publisher at a
time (``renewal``): TikTok's refresh tokens work once.

A publisher killed at any point is followed, when its lease ends, by one that resumes the same
session: a session makes one video, so nothing is posted twice and nothing is lost. Failures:
a revoked grant marks the account ``reconnect_required`` and fails the post with
``account_reconnect_required``; a spent quota makes the post due again when the next quota day
begins, and a time the platform will not schedule (``ScheduleRefused``) at that time, when it is
posted without one; a session the platform no longer knows (expired), or whose post it refused
once it had every byte (``PostRefused``), is forgotten and a new one opened on the next attempt;
other retriable failures come back after ``retry_seconds``; the rest fail the post.

Statistics: every ``stats_seconds`` each published post's counts are fetched from its platform
(``collect_stats``: the posts claimed by pushing their next fetch out, grouped by account, up to a
platform's batch a call) and handed to ``report_stats``, which the worker sends to analytics.

A post that keeps failing in a retriable way (an outage, a platform's 5xx) fails for good after
``max_attempts`` claims, so a fault that never heals ends in ``post.failed`` instead of retries
without end.

``checkpoint`` is called by name at each step (``claimed``, ``session_opened``,
``session_recorded``, ``chunk``, ``uploaded``, ``recorded``): the fault tests kill the process there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from streams.domain.posts import Post
from streams.errors import (
    AccountReconnectRequired,
    ClipstreamError,
    PostRefused,
    PublishError,
    QuotaExceeded,
    ScheduleRefused,
    UploadSessionGone,
)
from streams.publish import store
from streams.publish.platform import SCHEDULE_LEAD, Platform, PostRequest, Published, Renew, Statistics, scheduled
from streams.publish.renewal import Renewals
from streams.publish.tokens import Grant, TokenCipher

log = logging.getLogger(__name__)

STATS_BATCH = 50  # posts whose statistics one round fetches (YouTube lists 50 ids a call)
PROCESSING_CHECK_SECONDS = 5.0  # how often a publisher looks for processing posts due to be asked about

PlatformFor = Callable[[str, Grant, Renew], Platform]  # (platform name, grant, its renewal) -> its adapter
MediaOf = Callable[[Post], Awaitable[Path]]  # the clip's MP4 on local disk
Checkpoint = Callable[[str], None]
ReportStats = Callable[[store.Tracked, Statistics], Awaitable[None]]  # a post's counts, to analytics


class Publisher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        cipher: TokenCipher,
        platform_for: PlatformFor,
        media_of: MediaOf,
        *,
        lease_seconds: float = 120.0,
        retry_seconds: float = 60.0,
        batch: int = 4,
        poll_seconds: float = 1.0,
        checkpoint: Checkpoint = lambda _name: None,
        announce: Callable[[Post, Published | None, ClipstreamError | None], Awaitable[None]] | None = None,
        report_stats: ReportStats | None = None,
        stats_seconds: float = 3600.0,
        max_attempts: int = 20,
        processing_limit: timedelta = timedelta(hours=24),
        media_done: Callable[[Post], Awaitable[None]] | None = None,
        schedule_lead: timedelta = SCHEDULE_LEAD,
    ) -> None:
        self.pool = pool
        self.cipher = cipher
        self.platform_for = platform_for
        self.media_of = media_of
        self.lease_seconds = lease_seconds
        self.retry_seconds = retry_seconds
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.checkpoint = checkpoint
        self.announce = announce
        self.report_stats = report_stats
        self.stats_seconds = stats_seconds
        self.max_attempts = max_attempts
        self.processing_limit = processing_limit
        self.media_done = media_done
        self.schedule_lead = schedule_lead
        self._stats_gate = Every(min(60.0, stats_seconds))
        self._processing_gate = Every(PROCESSING_CHECK_SECONDS)
        self.renewals = Renewals(pool, cipher)

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                claimed = await self.run_once()
                await self._processing_when_due()
                await self._stats_when_due()
            except (OSError, asyncpg.PostgresError) as exc:  # the database is away: try again later
                log.warning("publisher: %s: %s", type(exc).__name__, exc)
                claimed = 0
            if claimed < self.batch:
                try:
                    await asyncio.wait_for(stop.wait(), self.poll_seconds)
                except TimeoutError:
                    pass

    async def run_once(self) -> int:
        """Claim due posts and publish each (concurrently); how many were claimed."""
        async with self.pool.acquire() as conn:
            claimed = await store.claim_due(conn, self.batch, self.lease_seconds)
        for _ in claimed:
            self.checkpoint("claimed")
        await _each(claimed, self.publish)
        return len(claimed)

    async def publish(self, post: Post) -> None:
        """One claimed attempt at ``post``, its outcome recorded."""
        published: Published | None = None
        try:
            published = await self._attempt(post)
        except AccountReconnectRequired as exc:
            async with self.pool.acquire() as conn:
                await store.needs_reconnect(conn, post.account_id)
                await store.record_failure(conn, post, exc.code, exc.message)
            await self._announce(post, None, exc)
        except (QuotaExceeded, ScheduleRefused) as exc:  # due again when the quota or the post's time comes
            async with self.pool.acquire() as conn:
                await store.record_failure(conn, post, exc.code, exc.message, retry_at=exc.retry_at)
        except ClipstreamError as exc:
            gone = isinstance(exc, (UploadSessionGone, PostRefused))  # the session can make no post now
            retry = exc.retriable and post.attempts < self.max_attempts
            at = datetime.now(UTC) + timedelta(seconds=self.retry_seconds) if retry else None
            async with self.pool.acquire() as conn:
                await store.record_failure(conn, post, exc.code, exc.message, retry_at=at, forget_session=gone)
            if not retry:
                await self._announce(post, None, exc)
        if published is not None:
            await self._announce(post, published, None)

    async def _attempt(self, post: Post) -> Published | None:
        """The post sent; None when another claim holds it or the platform is still finishing it."""
        platform, grant = await self._platform(post.account_id)
        media = await self.media_of(post)
        session = post.upload_session
        if session is None:
            at = scheduled(platform.name, post.privacy, post.publish_at, datetime.now(UTC), self.schedule_lead)
            request = PostRequest(post.title, post.description, post.tags, post.privacy, at)
            opened = await asyncio.to_thread(platform.start, media, request)
            self.checkpoint("session_opened")
            async with self.pool.acquire() as conn:
                if not await store.record_session(conn, post, opened):
                    log.info("post %s: another publisher claimed it meanwhile; session left unused", post.post_id)
                    return None
            session = opened
            self.checkpoint("session_recorded")
        loop = asyncio.get_running_loop()

        def progress(held: int, total: int) -> None:  # in the upload's thread
            self.checkpoint("chunk")
            asyncio.run_coroutine_threadsafe(self._extend(post), loop)

        try:
            published = await asyncio.to_thread(platform.send, session, media, progress)
        finally:
            await self.renewals.keep(post.account_id, grant, platform.grant())
        self.checkpoint("uploaded")
        async with self.pool.acquire() as conn:
            if published.settled:
                await store.record_published(conn, post, published)
            else:
                await store.record_processing(conn, post)
        self.checkpoint("recorded")
        if not published.settled:
            await self._release(post)  # the platform has every byte; asking how it ends needs none
        return published if published.settled else None

    # -- posts the platform is still finishing ---------------------------------------------------
    async def check_processing(self) -> int:
        """Ask the platform how each processing post due to be asked about stands; how many."""
        async with self.pool.acquire() as conn:
            due = await store.claim_processing(conn, self.batch)
        await _each(due, self._settle)
        return len(due)

    async def _processing_when_due(self) -> None:
        """Look for processing posts due to be asked about at most every ``PROCESSING_CHECK_SECONDS``
        (none is due sooner than 10 s after the last time it was asked)."""
        if self._processing_gate.due():
            await self.check_processing()

    async def _settle(self, post: Post) -> None:
        """Record how the processing ``post`` ended, if it has: published (with its id and address)
        or refused; failed when the platform has not finished it within ``processing_limit``. A
        passing fault, or an account to connect again, leaves it for its next turn."""
        try:
            platform, grant = await self._platform(post.account_id)
            try:
                published = await asyncio.to_thread(platform.settle, post.upload_session or "")
            finally:
                await self.renewals.keep(post.account_id, grant, platform.grant())
            if not published.settled and post.processing_since is not None:
                if datetime.now(UTC) - post.processing_since > self.processing_limit:
                    raise PublishError(
                        f"the platform had not finished the post {self.processing_limit} after it took every byte"
                        f" (its last answer: {dict(published.resource)})"
                    )
        except AccountReconnectRequired:
            async with self.pool.acquire() as conn:
                await store.needs_reconnect(conn, post.account_id)
            return
        except ClipstreamError as exc:
            if exc.retriable:
                log.warning("post %s: asking how it stands: %s: %s", post.post_id, exc.code, exc.message)
                return
            async with self.pool.acquire() as conn:
                refused = await store.processing_failed(
                    conn, post, exc.code, exc.message, forget_session=isinstance(exc, PostRefused)
                )
            if refused:
                await self._announce(post, None, exc)
            return
        if published.settled:
            async with self.pool.acquire() as conn:
                done = await store.record_published(conn, post, published)
            if done:
                await self._announce(post, published, None)

    # -- statistics ------------------------------------------------------------------------------
    async def _stats_when_due(self) -> None:
        """Look for posts whose statistics are due at most every minute (or ``stats_seconds``)."""
        if self.report_stats is not None and self._stats_gate.due():
            while await self.collect_stats() >= STATS_BATCH:
                pass

    async def collect_stats(self) -> int:
        """Fetch the counts of published posts whose statistics are due and report each; how many
        posts were due. An account the platform no longer honours is marked ``reconnect_required``;
        another failure leaves the posts for their next turn."""
        if self.report_stats is None:
            return 0
        async with self.pool.acquire() as conn:
            due = await store.claim_stats_due(conn, STATS_BATCH, self.stats_seconds)
        by_account: dict[str, list[store.Tracked]] = {}
        for one in due:
            by_account.setdefault(one.post.account_id, []).append(one)
        for account_id, tracked in by_account.items():
            ids = [t.post.platform_id for t in tracked if t.post.platform_id]
            try:
                counts = await self._statistics(account_id, ids)
            except AccountReconnectRequired:
                async with self.pool.acquire() as conn:
                    await store.needs_reconnect(conn, account_id)
                continue
            except ClipstreamError as exc:
                log.warning("statistics of %d posts on %s: %s: %s", len(ids), account_id, exc.code, exc.message)
                continue
            for t in tracked:
                found = counts.get(t.post.platform_id or "")
                if found is None:  # the platform no longer has the video (removed by its owner)
                    continue
                try:
                    await self.report_stats(t, found)
                except Exception:
                    log.exception("post %s: reporting its statistics failed", t.post.post_id)
        return len(due)

    async def _statistics(self, account_id: str, platform_ids: list[str]) -> dict[str, Statistics]:
        platform, grant = await self._platform(account_id)
        try:
            return await asyncio.to_thread(platform.statistics, platform_ids)
        finally:
            await self.renewals.keep(account_id, grant, platform.grant())

    async def _platform(self, account_id: str) -> tuple[Platform, Grant]:
        """The adapter of ``account_id``'s platform with the account's grant, and the grant."""
        async with self.pool.acquire() as conn:
            found = await store.sealed_grant(conn, account_id)
        if found is None:
            raise PublishError(f"the account {account_id} is gone")
        account, sealed = found
        if account.status == "reconnect_required":
            raise AccountReconnectRequired(f"the {account.platform} account {account.name!r} must be connected again")
        grant = self.cipher.open(sealed)
        return self.platform_for(account.platform, grant, self.renewals.for_account(account_id)), grant

    async def _extend(self, post: Post) -> None:
        async with self.pool.acquire() as conn:
            await store.extend_lease(conn, post, self.lease_seconds)

    async def _announce(self, post: Post, published: Published | None, error: ClipstreamError | None) -> None:
        """Tell ``announce`` how the post ended (for good), and let its media go."""
        await self._release(post)
        if self.announce is not None:
            try:
                await self.announce(post, published, error)
            except Exception:  # a webhook never fails a post
                log.exception("post %s: announcing failed", post.post_id)

    async def _release(self, post: Post) -> None:
        """``media_done``: the post needs its media no more (a retry asks ``media_of`` again)."""
        if self.media_done is not None:
            try:
                await self.media_done(post)
            except Exception:  # a leftover file never fails a post
                log.exception("post %s: letting its media go failed", post.post_id)


class Every:
    """A gate that opens at most once every ``seconds`` of the running event loop's clock."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._opened = float("-inf")

    def due(self) -> bool:
        """Whether ``seconds`` have passed since the gate last opened; it opens now if so."""
        now = asyncio.get_running_loop().time()
        if now - self._opened < self.seconds:
            return False
        self._opened = now
        return True


async def _each(posts: list[Post], do: Callable[[Post], Awaitable[None]]) -> None:
    """``do`` each post, concurrently; what one raises is logged and leaves the others be."""
    results = await asyncio.gather(*(do(p) for p in posts), return_exceptions=True)
    for post, result in zip(posts, results):
        if isinstance(result, BaseException):
            log.error("post %s: %r", post.post_id, result, exc_info=result)


def platforms(adapters: Mapping[str, Callable[[Grant, Renew], Platform]]) -> PlatformFor:
    """A ``PlatformFor`` from each platform's adapter factory."""

    def build(name: str, grant: Grant, renew: Renew) -> Platform:
        try:
            return adapters[name](grant, renew)
        except KeyError:
            raise PublishError(f"publishing to {name} is not configured on this server") from None

    return build
