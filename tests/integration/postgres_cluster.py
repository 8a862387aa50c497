"""A brand-new PostgreSQL cluster, set up the way the official image's entrypoint leaves it (one
superuser owning the database, nothing else): what ``clipstream migrate`` and ``clipstream wait``
meet in a fresh deployment; the ``fresh_cluster`` fixture (tests/integration/conftest.py) runs one."""

from __future__ import annotations

import asyncpg

from streams.stack.postgres import Postgres


class BarePostgres(Postgres):
    """The stack's PostgreSQL without the stack's own setup (no roles, database or migrations)."""

    name = "postgres-bare"

    def after_ready(self, say) -> None:
        pass


async def run_sql(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()
