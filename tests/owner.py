"""Operator-side setup for tests: work on PostgreSQL as the owner role (row-level security
bypassed, as the CLI's operator commands do), such as making tenants."""

from __future__ import annotations

import asyncio

from streams import tenancy
from streams.adapters.db import create_pool


def as_owner(settings, work):
    """``await work(pool)`` on a pool of the owner role; its result."""
    async def run():
        pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
        try:
            return await work(pool)
        finally:
            await pool.close()

    return asyncio.run(run())


def new_tenant(settings, name: str) -> tuple[str, str]:
    """A new tenant: its id and its first (admin) key."""
    tenant, key = as_owner(settings, lambda pool: tenancy.create_tenant(pool, name))
    return tenant.tenant_id, key.key
