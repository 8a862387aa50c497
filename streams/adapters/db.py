"""PostgreSQL through asyncpg: the connection pool, and the migration runner.

Migrations are the numbered ``.sql`` files in ``schemas/postgres``; each runs once, in its own
transaction, and is recorded in ``schema_migrations``. An advisory lock serialises concurrent
runners (the stack, a test, a deploy job).
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

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


APP_ROLE = "clipstream_app"


async def ensure_database(
    superuser_dsn: str,
    role: str,
    database: str,
    app_role: str | None = APP_ROLE,
    owner_attributes: str = "LOGIN BYPASSRLS",
) -> bool:
    """Create the owner ``role``, the application role and ``database`` if missing. True if created.

    The owner runs migrations and the pipeline worker and bypasses row-level security; the
    application role (the API) is neither owner nor BYPASSRLS, so the tenant policies bind it.
    Another program's database (Hydra's) has an owner that is only ``LOGIN`` and no ``app_role``.
    """
    roles = [(role, owner_attributes)] + ([(app_role, "LOGIN NOBYPASSRLS")] if app_role else [])
    conn = await asyncpg.connect(superuser_dsn, timeout=10)
    try:
        created = False
        for name, attributes in roles:
            if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name):
                await conn.execute(f'CREATE ROLE "{name}" {attributes}')
                created = True
            else:
                await conn.execute(f'ALTER ROLE "{name}" {attributes}')
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
            created = True
        return created
    finally:
        await conn.close()


@asynccontextmanager
async def tenant_connection(pool: asyncpg.Pool, tenant_id: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction whose row-level security tenant is ``tenant_id``."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant_id)
        yield conn


def from_jsonb(value: Any) -> Any:
    """A jsonb column's value as Python data (asyncpg hands it over as text)."""
    return json.loads(value) if isinstance(value, str) else value


async def create_pool(dsn: str, **kwargs) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn, min_size=kwargs.pop("min_size", 1), max_size=kwargs.pop("max_size", 10), **kwargs
    )
