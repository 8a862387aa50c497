"""The fault suite's own stack and the faults it injects: the worker killed with SIGKILL or
stopped with SIGTERM, and started again, a second worker of the same consumer group joining and
leaving, and Kafka, Triton or PostgreSQL stopped and started under a running pipeline, all through
the stack's supervisor.

The suite runs on a private stack (its own data directory and free ports), not on the test
session's: it restarts the infrastructure and kills workers, which no other test should see, and
its ClickHouse check needs the worker that owns the embedded engine stopped at the end.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import asyncpg

from streams.settings import Settings
from streams.stack import supervisor
from streams.stack.apps import Api, Worker
from streams.stack.process import free_port
from tests.processes import tree, wait_gone


class ExtraWorker(Worker):
    """Another worker process of the same consumer group (a rebalance), with its own web port,
    pid file and log. It cannot open the embedded ClickHouse the first worker holds, so its
    analytics sink spools what it reads for the first worker to send."""

    def __init__(self, settings: Settings, name: str) -> None:
        self.name = name  # before the base class names the pid file after it
        super().__init__(settings.with_overrides(worker_port=free_port()))


class OwnerDb:
    """One connection as the owner role (no row-level security) on a loop of its own, for polling
    from the test's thread; reconnects after PostgreSQL restarts."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: asyncpg.Connection | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def fetch(self, sql: str, *args) -> list[asyncpg.Record]:
        return asyncio.run_coroutine_threadsafe(self._fetch(sql, args), self._loop).result(30)

    async def _fetch(self, sql: str, args: tuple) -> list[asyncpg.Record]:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.dsn, timeout=5)
        try:
            return await self._conn.fetch(sql, *args, timeout=10)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            self._conn.terminate()
            self._conn = None
            raise

    def close(self) -> None:
        if self._conn is not None:
            asyncio.run_coroutine_threadsafe(self._conn.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()


class FaultStack:
    """The private stack with its API and worker, and the faults done to it."""

    def __init__(self, settings: Settings, say) -> None:
        self.settings, self.say = settings, say
        self.api = Api(settings)
        self.worker = Worker(settings)
        self.extras: list[ExtraWorker] = []
        self.db: OwnerDb | None = None
        self.kills: list[dict] = []

    def up(self) -> None:
        supervisor.up(self.settings, self.say)
        self.api.start(self.say)
        self.worker.start(self.say)
        self.db = OwnerDb(self.settings.postgres_dsn)

    def down(self) -> None:
        if self.db is not None:
            self.db.close()
        for extra in self.extras:
            extra.stop(self.say)
        self.worker.stop(self.say)
        self.api.stop(self.say)
        supervisor.down(self.settings, self.say)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def worker_pid(self) -> int | None:
        record = self.worker.running()
        return record.pid if record else None

    # -- faults ----------------------------------------------------------------------------------
    def kill(self, component: Worker) -> list[int]:
        """SIGKILL ``component`` (a worker) and wait until it and every child it had are gone."""
        record = component.running()
        assert record is not None, f"{component.name} is not running"
        pids = tree(record.pid)
        os.kill(record.pid, signal.SIGKILL)
        assert wait_gone(pids, timeout=30), f"{component.name} or a child of it outlived SIGKILL: {pids}"
        return pids

    def kill_worker(self) -> list[int]:
        return self.kill(self.worker)

    def start_worker(self, **overrides) -> None:
        """Start the worker; ``overrides`` are settings it runs with until it is started again
        (without them it runs with the stack's own)."""
        self.worker = Worker(self.settings.with_overrides(**overrides) if overrides else self.settings)
        self.worker.start(self.say)

    def stop_worker(self) -> None:
        """Stop the worker as the stack stops it: SIGTERM to its process group, SIGKILL only if it
        is still there after its grace period and a margin (``streams.stack.apps.Worker``)."""
        assert self.worker.stop(self.say), "the worker was not running"

    def extra_worker(self, name: str) -> ExtraWorker:
        extra = ExtraWorker(self.settings, name)
        self.extras.append(extra)
        extra.start(self.say)
        return extra

    def restart(self, name: str) -> float:
        """Stop then start one infrastructure component; seconds it was down."""
        component = supervisor.component(self.settings, name)
        began = time.monotonic()
        component.stop(self.say)
        component.start(self.say)
        return round(time.monotonic() - began, 1)

    # -- watching --------------------------------------------------------------------------------
    def stages(self, video_id: str) -> dict[str, str]:
        try:
            rows = self.db.fetch("SELECT stage, status FROM video_stages WHERE video_id = $1", video_id)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return {}
        return {r["stage"]: r["status"] for r in rows}

    def wait_for_stage(self, video_id: str, stage: str, timeout: float = 60.0) -> bool:
        """Until ``stage`` of the video is running; False if it finished (or never started) first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.stages(video_id).get(stage)
            if status == "running":
                return True
            if status in ("completed", "failed"):
                return False
            time.sleep(0.02)
        return False

    def statuses(self, video_ids: list[str]) -> dict[str, str]:
        rows = self.db.fetch("SELECT video_id, status FROM videos WHERE video_id = ANY($1)", video_ids)
        return {r["video_id"]: r["status"] for r in rows}

    def wait_final(self, video_ids: list[str], timeout: float) -> dict[str, str]:
        """Until every video completed or failed (or ``timeout``); their statuses."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                statuses = self.statuses(video_ids)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                statuses = {}
            if len(statuses) == len(video_ids) and all(s in ("completed", "failed") for s in statuses.values()):
                return statuses
            if time.monotonic() > deadline:
                return statuses
            time.sleep(0.5)

    def pending_deliveries(self, tenant_id: str) -> int:
        rows = self.db.fetch("SELECT count(*) AS n FROM webhook_deliveries WHERE tenant_id = $1"
                             " AND status = 'pending'", tenant_id)
        return rows[0]["n"]
