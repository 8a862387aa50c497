"""Measuring what each workspace's stored objects hold (``storage_snapshots``): the worker measures
every workspace every ``storage_snapshot_seconds`` (``streams.agents.billing``), and one workspace
again when a video of it completes (``streams.agents.webhooks``) or the API deletes a video or a clip
of it, so a plan's storage limit sees the room a deletion made at once. The day's last measure stays."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg

from streams.adapters.db import tenant_connection
from streams.adapters.object_keys import tenant_prefix
from streams.adapters.storage import Storage
from streams.errors import StorageError
from streams.usage import store

log = logging.getLogger(__name__)


async def measure_storage(pool: asyncpg.Pool, storage: Storage, now: datetime) -> dict[str, int]:
    """Each workspace's bytes held now, recorded; ``{tenant_id: bytes}``."""
    async with pool.acquire() as conn:
        tenants = [r["tenant_id"] for r in await conn.fetch("SELECT tenant_id FROM tenants ORDER BY tenant_id")]
    return {tenant_id: await measure_workspace(pool, storage, tenant_id, now) for tenant_id in tenants}


async def measure_workspace(pool: asyncpg.Pool, storage: Storage, tenant_id: str, now: datetime) -> int:
    """One workspace's bytes held now (``now`` taken before the objects are listed), recorded."""
    held = await asyncio.to_thread(storage.bytes_under, tenant_prefix(tenant_id))
    async with tenant_connection(pool, tenant_id) as conn:
        await store.record_storage(conn, tenant_id, held, now)
    return held


async def measure_again(pool: asyncpg.Pool, storage: Storage, tenant_id: str, now: datetime) -> int | None:
    """``measure_workspace`` after a deletion, which stands whatever happens here: None, logged, when
    the storage or the database refuses (the worker's next measure records it)."""
    try:
        return await measure_workspace(pool, storage, tenant_id, now)
    except (StorageError, OSError, asyncpg.PostgresError) as exc:
        log.warning("the storage of %s was not measured again: %s: %s", tenant_id, type(exc).__name__, exc)
        return None


class Remeasuring:
    """Measures asked for in the background (``ask`` returns at once), one at a time per workspace:
    asked again while one runs, the workspace is measured once more after it, since what the running
    one listed may predate what prompted the ask. ``measure`` takes a tenant id."""

    def __init__(self, measure: Callable[[str], Awaitable[object]]) -> None:
        self._measure = measure
        self._running: dict[str, asyncio.Task] = {}
        self._again: set[str] = set()

    def ask(self, tenant_id: str) -> None:
        if tenant_id in self._running:
            self._again.add(tenant_id)
        else:
            self._running[tenant_id] = asyncio.get_running_loop().create_task(self._run(tenant_id))

    async def idle(self) -> None:
        """Wait until no measure runs or is asked for."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def _run(self, tenant_id: str) -> None:
        try:
            while True:
                self._again.discard(tenant_id)
                await self._measure(tenant_id)
                if tenant_id not in self._again:
                    return
        except Exception:  # a measure never fails what asked for it: the hourly round measures again
            log.exception("the storage of %s was not measured again", tenant_id)
        finally:
            del self._running[tenant_id]
