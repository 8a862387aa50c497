"""Measuring what each workspace's stored objects hold (``storage_snapshots``): the worker does it
every ``storage_snapshot_seconds`` (``streams.agents.billing``); the day's last measure stays."""

from __future__ import annotations

import asyncio
from datetime import datetime

import asyncpg

from streams.adapters.db import tenant_connection
from streams.adapters.storage import Storage
from streams.usage import store


async def measure_storage(pool: asyncpg.Pool, storage: Storage, now: datetime) -> dict[str, int]:
    """Each workspace's bytes held now, recorded; ``{tenant_id: bytes}``."""
    async with pool.acquire() as conn:
        tenants = [r["tenant_id"] for r in await conn.fetch("SELECT tenant_id FROM tenants ORDER BY tenant_id")]
    held: dict[str, int] = {}
    for tenant_id in tenants:
        held[tenant_id] = await asyncio.to_thread(storage.bytes_under, f"tenants/{tenant_id}/")
        async with tenant_connection(pool, tenant_id) as conn:
            await store.record_storage(conn, tenant_id, held[tenant_id], now)
    return held
