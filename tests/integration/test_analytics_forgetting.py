"""A deleted video in analytics (real embedded ClickHouse, real PostgreSQL): what it counted stays,
the words of its talk (its rankings' reasons) go, from the rows there and from any that come later."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from streams.adapters.analytics import AnalyticsStore
from streams.adapters.catalog import Catalog
from streams.analytics.forgetting import forget_deleted
from streams.domain.video import DeletedVideo
from streams.settings import Settings
from tests.integration.test_analytics_store import Feed

pytestmark = pytest.mark.integration


@pytest.fixture
def store(tmp_path):
    opened = AnalyticsStore.open(Settings.from_env().with_overrides(clickhouse_path=tmp_path / "ch"))
    yield opened
    opened.close()


def _ranked(feed: Feed, tenant: str, video: str) -> None:
    feed.completed_video(tenant, video, 90.0, clips=2)
    feed.add("moments", tenant, video, 19, through_chunk=1, is_final=True, moments=[
        {"moment_id": "m0", "score": 71.0, "reason": 'A quotable line: a refrain ("we ran out of flour")'},
        {"moment_id": "m1", "score": 64.0, "reason": "Sounds like a surprising fact"},
    ])


def _reasons(store: AnalyticsStore, video: str) -> list[list[str]]:
    rows = store.client.query(
        "SELECT reasons FROM events FINAL WHERE video_id = {v:String} AND event_type = 'moments_found'",
        parameters={"v": video},
    ).result_rows
    return [r[0] for r in rows]


def test_a_forgotten_videos_reasons_are_emptied_and_what_it_counted_stays(store):
    feed = Feed()
    _ranked(feed, "tenant-a", "gone")
    _ranked(feed, "tenant-a", "kept")
    store.insert(feed.rows())
    before = store.usage("tenant-a", days=7)
    assert _reasons(store, "gone")[0][0].endswith('("we ran out of flour")')

    now = datetime.now(UTC)
    assert store.forget([DeletedVideo("tenant-a", "gone", now)], now - timedelta(days=1)) == 1
    assert _reasons(store, "gone") == [[]]
    assert _reasons(store, "kept") == [['A quotable line: a refrain ("we ran out of flour")',
                                        "Sounds like a surprising fact"]]
    assert store.usage("tenant-a", days=7) == before  # videos, minutes, clips, latencies: as they were
    assert store.last_forgotten() == (now, "gone")

    # The ranking delivered again (a redelivery, the spool) is written without its words.
    store.insert(feed.rows([m for m in feed.messages if m[0] == "moments"]))
    assert _reasons(store, "gone") == [[]] and len(_reasons(store, "kept")[0]) == 2
    assert store.forget([], now - timedelta(days=1)) == 0  # nothing left to empty: no mutation


async def test_the_worker_copies_the_catalogs_deleted_videos_and_their_words_go(stack, store):
    deleted, kept = (f"v-{uuid.uuid4().hex[:12]}" for _ in range(2))
    feed = Feed()
    _ranked(feed, "default", deleted)
    _ranked(feed, "default", kept)
    store.insert(feed.rows())
    pool = await asyncpg.create_pool(stack.postgres_dsn, min_size=1, max_size=2)
    try:
        catalog = Catalog(pool)
        for video in (deleted, kept):
            await catalog.create_video(video, "default", "talk.mp4", f"file:///tmp/{video}.mp4", 10, {})
        await catalog.delete_video(deleted)
        assert await forget_deleted(catalog, store, datetime.now(UTC)) == 1  # its one ranking event
        assert await forget_deleted(catalog, store, datetime.now(UTC)) == 0  # nothing new, nothing to empty
        await catalog.delete_video(kept)  # clean up the catalog; analytics keep it, words and all
    finally:
        await pool.close()
    forgotten = await asyncio.to_thread(lambda: store.client.query("SELECT video_id FROM forgotten_videos").result_rows)
    assert forgotten.count((deleted,)) == 1 and (kept,) not in forgotten  # copied once, though asked twice
    assert _reasons(store, deleted) == [[]] and len(_reasons(store, kept)[0]) == 2
