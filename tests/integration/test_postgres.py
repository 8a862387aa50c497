"""Rows through the real PostgreSQL with asyncpg, on the schema the migrations built."""

import uuid

import asyncpg
import pytest

from streams.adapters.db import apply_migrations, migration_files

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
