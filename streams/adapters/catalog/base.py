"""What every part of the catalog shares: its pool and its connections, the owner's or one
confined to a tenant by row-level security (``streams.adapters.catalog``)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

import asyncpg

from streams.adapters.db import tenant_connection


class CatalogBase:
    """Reads and writes of the system of record.

    Without a tenant (the pipeline worker, connected as the owner role) every row is visible.
    ``for_tenant(id)`` gives a view whose every statement runs with ``app.tenant_id`` set, so on
    the application role row-level security confines it to that tenant's rows.
    """

    def __init__(self, pool: asyncpg.Pool, tenant_id: str | None = None) -> None:
        self.pool = pool
        self.tenant_id = tenant_id

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[asyncpg.Connection]:
        if self.tenant_id is None:
            async with self.pool.acquire() as conn:
                yield conn
        else:
            async with tenant_connection(self.pool, self.tenant_id) as conn:
                yield conn
