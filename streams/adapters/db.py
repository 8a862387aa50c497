"""PostgreSQL through asyncpg: the connection pool, and the migration runner.

Migrations are the numbered ``.sql`` files in ``schemas/postgres``; each runs once, in its own
transaction, and is recorded in ``schema_migrations``. An advisory lock serialises concurrent
runners (the stack, a test, a deploy job).
"""

from __future__ import annotations

from pathlib import Path

import asyncpg

from streams.settings import project_root

MIGRATIONS_DIR = project_root() / "schemas" / "postgres"
_LOCK_ID = 0x636C6970  # "clip"


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*.sql") if p.stem.split("_", 1)[0].isdigit())


async def apply_migrations(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; returns the names applied now."""
    conn = await asyncpg.connect(dsn)
    applied: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for path in migration_files(directory):
            if path.stem in done:
                continue
            async with conn.transaction():
                await conn.execute(path.read_text())
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", path.stem)
            applied.append(path.stem)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
        await conn.close()
    return applied


async def ensure_database(superuser_dsn: str, role: str, database: str) -> bool:
    """Create ``role`` (login) and ``database`` owned by it if missing. True if created."""
    conn = await asyncpg.connect(superuser_dsn)
    try:
        created = False
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
            await conn.execute(f'CREATE ROLE "{role}" LOGIN')
            created = True
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
            created = True
        return created
    finally:
        await conn.close()


async def create_pool(dsn: str, **kwargs) -> asyncpg.Pool:
    return await asyncpg.create_pool(dsn, min_size=kwargs.pop("min_size", 1), max_size=kwargs.pop("max_size", 10), **kwargs)
