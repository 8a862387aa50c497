"""Rows through the real PostgreSQL with asyncpg, on the schema the migrations built."""

import uuid
from dataclasses import replace

import asyncpg
import pytest

from streams.adapters.db import apply_migrations, migration_files
from streams.domain.moment import Moment
from streams.domain.words import Word

pytestmark = pytest.mark.integration


async def test_row_written_is_read_back(stack):
    video_id = f"v-{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(stack.postgres_dsn)
    try:
        await conn.execute(
            "INSERT INTO videos (video_id, filename, source_uri, size_bytes) VALUES ($1, $2, $3, $4)",
            video_id, "talk.mp4", f"file:///tmp/{video_id}.mp4", 1234,
        )
        row = await conn.fetchrow("SELECT filename, size_bytes, status FROM videos WHERE video_id = $1", video_id)
    finally:
        await conn.close()
    assert dict(row) == {"filename": "talk.mp4", "size_bytes": 1234, "status": "queued"}


async def test_migrations_are_recorded_and_not_reapplied(stack):
    assert await apply_migrations(stack.postgres_dsn) == []
    conn = await asyncpg.connect(stack.postgres_dsn)
    try:
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")]
    finally:
        await conn.close()
    assert versions == [p.stem for p in migration_files()]


async def test_schema_rejects_an_invalid_status(stack):
    conn = await asyncpg.connect(stack.postgres_dsn)
    try:
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "INSERT INTO videos (video_id, filename, source_uri, size_bytes, status) VALUES ('x', 'f', 'u', 1, 'bogus')"
            )
    finally:
        await conn.close()


async def test_a_final_rank_stands_when_a_provisional_save_of_the_moment_comes_later(stack):
    """A redelivered transcript chunk replays to the same provisional pick after the final
    ranking was saved: the ranking the clips and the API show must not go back."""
    from streams.adapters.catalog import Catalog

    video_id = f"v-{uuid.uuid4().hex[:12]}"
    moment = Moment("m1", 1.0, 21.0, 60.0, {"hook": 60.0}, "a test", "A test")
    pool = await asyncpg.create_pool(stack.postgres_dsn, min_size=1, max_size=2)
    try:
        catalog = Catalog(pool)
        await catalog.create_video(video_id, "default", "talk.mp4", f"file:///tmp/{video_id}.mp4", 10, {})
        first = await catalog.save_moment(video_id, moment, 3, is_final=False)
        saved = [await catalog.save_moment(video_id, moment, 1, is_final=True),
                 await catalog.save_moment(video_id, moment, 3, is_final=False)]  # the replayed provisional pick
        (row,) = await catalog.moments(video_id)
        saved.append(await catalog.save_moment(video_id, moment, 2, is_final=True))  # a new final ranking applies
        (again,) = await catalog.moments(video_id)
        await pool.execute("DELETE FROM videos WHERE video_id = $1", video_id)
    finally:
        await pool.close()
    assert (row.rank, row.is_final) == (1, True)
    assert (again.rank, again.is_final) == (2, True)
    assert saved == [first] * 3 == [row.created_at] * 3  # every save answers when it was first recorded


async def test_a_video_deleted_before_ingest_took_its_upload_is_not_registered_again(stack):
    """Ingest registers the video of every upload it reads; one deleted in between (its upload
    still in Kafka) must stay deleted, where it used to come back and fail for want of its source."""
    from streams.adapters.catalog import Catalog

    deleted, other = (f"v-{uuid.uuid4().hex[:12]}" for _ in range(2))
    pool = await asyncpg.create_pool(stack.postgres_dsn, min_size=1, max_size=2)
    try:
        catalog = Catalog(pool)
        first = await catalog.create_video(deleted, "default", "talk.mp4", f"file:///tmp/{deleted}.mp4", 10, {})
        uris = await catalog.delete_video(deleted)
        again = await catalog.create_video(deleted, "default", "talk.mp4", f"file:///tmp/{deleted}.mp4", 10, {})
        after = await catalog.video(deleted)
        stages = await pool.fetchval("SELECT count(*) FROM video_stages WHERE video_id = $1", deleted)
        fresh = await catalog.create_video(other, "default", "talk.mp4", f"file:///tmp/{other}.mp4", 10, {})
        await catalog.delete_video(other)
    finally:
        await pool.close()
    assert (first, uris, again, after, stages) == (True, [f"file:///tmp/{deleted}.mp4"], False, None, 0)
    assert fresh is True


async def test_the_final_ranking_rescores_its_moments_and_supersedes_the_picks_it_left_out(stack):
    """The final ranking scores its moments with the whole talk known (score, reason and title
    replace the provisional ones) and marks the streamed picks it left out superseded: no rank,
    not final, also after a redelivered chunk saves them again as provisional picks."""
    from streams.adapters.catalog import Catalog

    video_id = f"v-{uuid.uuid4().hex[:12]}"
    kept = Moment("kept", 1.0, 21.0, 60.0, {"hook": 60.0}, "provisional", "Provisional")
    dropped = replace(kept, moment_id="dropped", start=30.0, end=50.0)
    pool = await asyncpg.create_pool(stack.postgres_dsn, min_size=1, max_size=2)
    try:
        catalog = Catalog(pool)
        await catalog.create_video(video_id, "default", "talk.mp4", f"file:///tmp/{video_id}.mp4", 60, {})
        await catalog.save_moment(video_id, kept, 1, is_final=False)
        await catalog.save_moment(video_id, dropped, 2, is_final=False)
        await catalog.save_moment(video_id, replace(kept, score=71.5, reason="final", title="Final",
                                                    signals={"hook": 80.0}), 1, is_final=True)
        await catalog.supersede_moments(video_id, ["dropped", "kept"])  # a final moment is never superseded
        await catalog.supersede_moments(video_id, [])
        await catalog.save_moment(video_id, dropped, 2, is_final=False)  # replayed chunk
        await catalog.save_moment(video_id, replace(kept, reason="provisional again"), 1, is_final=False)
        rows = {m.moment_id: m for m in await catalog.moments(video_id)}
        await pool.execute("DELETE FROM videos WHERE video_id = $1", video_id)
    finally:
        await pool.close()
    final, superseded = rows["kept"], rows["dropped"]
    assert (final.rank, final.is_final, final.superseded) == (1, True, False)
    assert (final.score, final.reason, final.title, final.signals) == (71.5, "final", "Final", {"hook": 80.0})
    assert (superseded.rank, superseded.is_final, superseded.superseded) == (None, False, True)
    assert list(rows) == ["kept", "dropped"]  # ranked first, the superseded after


async def test_transcript_chunks_come_back_typed_and_can_be_read_by_the_stretch_they_overlap(stack):
    """What the clip judge reads to learn a clip's language: the chunks its span lies in, not the
    talk; and what Whisper is told was heard before a chunk: the language spans of those before it."""
    from streams.adapters.catalog import Catalog

    video_id = f"v-{uuid.uuid4().hex[:12]}"
    pool = await asyncpg.create_pool(stack.postgres_dsn, min_size=1, max_size=2)
    try:
        catalog = Catalog(pool)
        await catalog.create_video(video_id, "default", "talk.mp4", f"file:///tmp/{video_id}.mp4", 10, {})
        for index, language in enumerate(["en", "de", "en"]):
            words = [{"word": f"w{index}", "start": 60.0 * index + 1, "end": 60.0 * index + 1.5, "probability": 0.9}]
            spans = [{"language": language, "start": 60.0 * index, "end": 60.0 * index + 50, "probability": 0.8}]
            await catalog.save_transcript_chunk(video_id, index, 60.0 * index, 60.0 * (index + 1), language, words, [],
                                                f"e{index}", languages=spans)
        every = await catalog.transcript_chunks(video_id)
        heard = await catalog.languages_heard(video_id, 2)  # what the third chunk is transcribed after
        inside = await catalog.transcript_chunks(video_id, overlapping=(70.0, 125.0))
        edge = await catalog.transcript_chunks(video_id, overlapping=(60.0, 120.0))  # touching is not overlapping
        await pool.execute("DELETE FROM videos WHERE video_id = $1", video_id)
    finally:
        await pool.close()
    assert [c.chunk_index for c in every] == [0, 1, 2] and every[1].language == "de"
    assert every[0].words == (Word("w0", 1.0, 1.5, 0.9),)
    assert [c.chunk_index for c in inside] == [1, 2]
    assert [c.chunk_index for c in edge] == [1]
    assert [(s.language, s.start) for s in heard] == [("en", 0.0), ("de", 60.0)]


async def test_a_chunk_stored_with_whisper_parts_of_words_is_read_back_with_whole_words(stack):
    """Transcripts stored before the recognizer joined faster-whisper's parts ("l" "'autre")
    read back joined, by where the stored segment text has no space between them."""
    from streams.adapters.catalog import Catalog

    video_id = f"v-{uuid.uuid4().hex[:12]}"
    parts = [("C", 0.9), ("'est", 0.6), ("l", 0.9), ("'autre", 0.7), ("T", 0.8), ("-Rex.", 0.5)]
    words = [{"word": t, "start": i * 0.5, "end": i * 0.5 + 0.4, "probability": p} for i, (t, p) in enumerate(parts)]
    segments = [{"text": " C'est l'autre T-Rex.", "start": 0.0, "end": 3.0, "avg_logprob": -0.3, "no_speech_prob": 0.1}]
    pool = await asyncpg.create_pool(stack.postgres_dsn, min_size=1, max_size=2)
    try:
        catalog = Catalog(pool)
        await catalog.create_video(video_id, "default", "talk.mp4", f"file:///tmp/{video_id}.mp4", 10, {})
        await catalog.save_transcript_chunk(video_id, 0, 0.0, 3.0, "fr", words, segments, "e0")
        (chunk,) = await catalog.transcript_chunks(video_id)
        await pool.execute("DELETE FROM videos WHERE video_id = $1", video_id)
    finally:
        await pool.close()
    assert [w.word for w in chunk.words] == ["C'est", "l'autre", "T-Rex."]
    assert (chunk.words[1].start, chunk.words[1].end) == (1.0, 1.9)
    assert chunk.segments[0]["text"] == " C'est l'autre T-Rex."


async def test_a_kept_judge_verdict_comes_back_typed_and_the_first_one_kept_stands(stack):
    """What lets a replayed chunk skip asking the judge again: the checked verdict and the answers it
    took, read back as they were kept; a second save under the same key changes nothing."""
    from streams.adapters.catalog import Catalog
    from streams.judge.verdict import Judged, Verdict

    video_id = f"v-{uuid.uuid4().hex[:12]}"
    first = Judged(Verdict(80, 60, 40, 90, "A title", "It stands on its own."), attempts=2)
    later = Judged(Verdict(10, 10, 10, 10, "Another", "Asked again."), attempts=1)
    pool = await asyncpg.create_pool(stack.postgres_dsn, min_size=1, max_size=2)
    try:
        catalog = Catalog(pool)
        await catalog.create_video(video_id, "default", "talk.mp4", f"file:///tmp/{video_id}.mp4", 10, {})
        missing = await catalog.judge_verdict(video_id, "k1")
        await catalog.save_judge_verdict(video_id, "k1", "judge-model", first)
        await catalog.save_judge_verdict(video_id, "k1", "judge-model", later)
        kept = await catalog.judge_verdict(video_id, "k1")
        await pool.execute("DELETE FROM videos WHERE video_id = $1", video_id)
    finally:
        await pool.close()
    assert missing is None
    assert kept == first
