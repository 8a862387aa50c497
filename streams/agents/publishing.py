"""Publishing: the publisher (``streams.publish.publisher``) runs beside the agents in every
worker, as the webhook dispatcher does, when publishing is configured (``CLIPSTREAM_TOKEN_KEYS``
and at least one platform's OAuth client); posts are claimed with ``FOR UPDATE SKIP LOCKED``, so
any number of workers share them and each goes out once.

A clip's MP4 is copied from storage into the worker's scratch space for its upload and removed
once the platform holds every byte or the post ends; a copy left by a post retried on another
worker goes after a day (``SCRATCH_DAYS``). ``post.published`` and ``post.failed`` become
webhooks of the post's tenant. Each published post's views, likes and comments are fetched every
``post_stats_seconds`` and sent to the ``post_stats`` topic, from which the analytics sink puts
them in ClickHouse.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from streams.domain.envelope import iso_z
from streams.domain.posts import Post
from streams.errors import ClipstreamError, PublishError
from streams.publish.configured import adapters
from streams.publish.platform import Published, Statistics
from streams.publish.publisher import Publisher, platforms
from streams.publish.store import Tracked
from streams.publish.tokens import TokenCipher
from streams.webhooks import events
from streams.worker import topics
from streams.worker.app import app
from streams.worker.records import post_stats
from streams.worker.resources import Runtime, runtime

log = logging.getLogger(__name__)

RESTART_SECONDS = 5.0
SCRATCH_DAYS = 1.0  # a clip copied for a post and untouched this long is left over: removed


def prune(scratch: Path, older_than_s: float, now: float) -> list[Path]:
    """Remove the files in ``scratch`` last touched over ``older_than_s`` before ``now`` (epoch
    seconds); the ones removed. A file another worker's retry left behind goes so."""
    gone = []
    for path in scratch.iterdir() if scratch.is_dir() else ():
        try:
            if path.is_file() and now - path.stat().st_mtime > older_than_s:
                path.unlink()
                gone.append(path)
        except FileNotFoundError:  # removed meanwhile
            continue
    return gone


def publisher_of(rt: Runtime) -> Publisher | None:
    """The worker's publisher; None while publishing is not configured."""
    settings = rt.settings
    made = adapters(settings)
    if not settings.token_keys or not made:
        return None
    scratch = rt.scratch / "posts"

    async def media_of(post: Post) -> Path:
        clip = await rt.catalog.clip(post.clip_id)
        if clip is None:
            raise PublishError(f"the clip {post.clip_id} is gone")
        scratch.mkdir(parents=True, exist_ok=True)
        path = scratch / f"{post.post_id}.mp4"
        if path.is_file():
            path.touch()  # in use again: not left over
            return path
        await asyncio.to_thread(prune, scratch, SCRATCH_DAYS * 86400, time.time())
        part = path.with_suffix(".part")
        await asyncio.to_thread(rt.storage.download, rt.storage.key_of(clip.mp4_uri), part)
        part.replace(path)
        return path

    async def announce(post: Post, published: Published | None, error: ClipstreamError | None) -> None:
        from streams.agents.webhooks import enqueue

        if published is not None:
            post = dataclasses.replace(post, platform_id=published.platform_id, url=published.url)
        code, message = (error.code, error.message) if error is not None else (None, None)
        await enqueue(events.from_post(post, iso_z(datetime.now(UTC)), code, message))

    async def media_done(post: Post) -> None:
        (scratch / f"{post.post_id}.mp4").unlink(missing_ok=True)  # a retry fetches it again

    async def report_stats(tracked: Tracked, counts: Statistics) -> None:
        post = tracked.post
        event = post_stats(
            post.tenant_id,
            tracked.video_id,
            post.post_id,
            post.clip_id,
            tracked.platform,
            post.platform_id or "",
            counts.views,
            counts.likes,
            counts.comments,
        )
        await topics.post_stats.send(key=tracked.video_id, value=event)

    return Publisher(
        rt.catalog.pool,
        TokenCipher.from_setting(settings.token_keys),
        platforms(made),
        media_of,
        announce=announce,
        report_stats=report_stats,
        stats_seconds=settings.post_stats_seconds,
        media_done=media_done,
    )


@app.task
async def publisher_task() -> None:
    """Publish due posts for as long as the worker runs (when configured); restarted if it fails."""
    while True:
        try:
            rt = await runtime()
            publisher = publisher_of(rt)
            if publisher is None:
                log.info("publishing is off: set CLIPSTREAM_TOKEN_KEYS and a platform's OAuth client to post clips")
                return
            await publisher.run_forever(asyncio.Event())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the publisher failed; restarting in %.0f s", RESTART_SECONDS)
            await asyncio.sleep(RESTART_SECONDS)
