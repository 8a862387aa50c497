"""Real outages are transient failures: PostgreSQL restarting under a connection pool and object
storage (MinIO) going away raise what ``failures.classify`` calls retriable, and the same call,
retried within a retry budget, works once the component is back."""

from __future__ import annotations

import asyncio

import pytest

from streams.adapters.db import create_pool
from streams.adapters.storage import S3Storage
from streams.errors import DatabaseUnavailable, StorageUnavailable
from streams.failures import classify
from streams.worker.retry import RetryBudget
from streams.stack.minio import MinIO
from streams.stack.postgres import Postgres

pytestmark = pytest.mark.integration


def _quiet(_message: str) -> None:
    pass


async def _retried(call, budget: RetryBudget):
    """``await call()`` under ``budget``, as a stage retries: (result, the classified failures)."""
    tries, failures = budget.start(), []
    while True:
        try:
            return await call(), failures
        except Exception as exc:
            error = classify(exc)
            failures.append(error)
            pause = tries.pause() if error.retriable else None
            if pause is None:
                raise
            await asyncio.sleep(pause)


async def test_a_database_restart_is_retried_until_the_pool_works_again(stack):
    postgres = Postgres(stack)
    pool = await create_pool(stack.postgres_dsn, min_size=2, max_size=2)
    try:
        assert await pool.fetchval("SELECT 1") == 1
        await asyncio.to_thread(postgres.stop, _quiet)
        try:
            with pytest.raises(Exception) as info:
                await pool.fetchval("SELECT 1")
            error = classify(info.value)
            assert isinstance(error, DatabaseUnavailable) and error.retriable, repr(info.value)
        finally:
            restart = asyncio.create_task(asyncio.to_thread(postgres.start, _quiet))
        value, failures = await _retried(lambda: pool.fetchval("SELECT 2"),
                                         RetryBudget(attempts=30, seconds=120, backoff=0.5, max_backoff=4))
        await restart
        assert value == 2
        assert all(isinstance(f, DatabaseUnavailable) for f in failures), failures
    finally:
        await asyncio.to_thread(postgres.start, _quiet)  # whatever happened, later tests need it
        await pool.close()


async def test_object_storage_going_away_is_retried_until_it_is_back(stack):
    minio = MinIO(stack)
    storage = S3Storage("clipstream", "outage-test", stack)
    storage.client.meta.config.retries["max_attempts"] = 1
    await asyncio.to_thread(storage.ensure_bucket)
    await asyncio.to_thread(storage.put_bytes, "probe.txt", b"still here")
    await asyncio.to_thread(minio.stop, _quiet)
    try:
        with pytest.raises(StorageUnavailable) as info:
            await asyncio.to_thread(storage.get_bytes, "probe.txt")
        assert info.value.retriable
        with pytest.raises(StorageUnavailable):  # not "missing": the store did not answer
            await asyncio.to_thread(storage.exists, "probe.txt")
    finally:
        restart = asyncio.create_task(asyncio.to_thread(minio.start, _quiet))
    try:
        value, failures = await _retried(lambda: asyncio.to_thread(storage.get_bytes, "probe.txt"),
                                         RetryBudget(attempts=30, seconds=120, backoff=0.5, max_backoff=4))
        await restart
        assert value == b"still here"
        assert all(isinstance(f, StorageUnavailable) for f in failures), failures
    finally:
        await asyncio.to_thread(minio.start, _quiet)
