"""ClickHouse through clickhouse-connect: the embedded engine (chdb) by default, a server when
``CLIPSTREAM_CLICKHOUSE_URL`` is set. Both give the same client API, so the store below is one
piece of code for both.

The embedded engine takes a lock on its data directory: one process at a time may open it, even
read-only (``Cannot lock file .../status. Another server instance in same directory is already
running``). The worker, whose sink writes the events, owns it; the API reads the report from the
worker's web port (``WorkerAnalytics``), authenticated by a token the worker writes into the
data directory at start, so only a process that can read that directory can ask. With a server,
the API reads ClickHouse itself (``ServerAnalytics``). Both return the same report, made by the
same code (``streams.analytics.reports``).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import secrets
import threading
from datetime import datetime
from pathlib import Path
from typing import Sequence

from streams.analytics import forgetting, migrations, reports
from streams.analytics.rows import COLUMNS
from streams.domain.video import DeletedVideo
from streams.errors import AnalyticsUnavailable, ClipstreamError
from streams.settings import Settings

USAGE_PATH = "/analytics/usage"


def connect(settings: Settings):
    """A clickhouse-connect client for these settings (caller closes it)."""
    import clickhouse_connect

    if settings.clickhouse_url:
        # No session: a session allows one query at a time, and the client is shared by threads.
        return clickhouse_connect.get_client(dsn=settings.clickhouse_url, autogenerate_session_id=False)
    settings.clickhouse_dir.mkdir(parents=True, exist_ok=True)
    return clickhouse_connect.get_client(interface="chdb", path=str(settings.clickhouse_dir))


def engine_version() -> str:
    """The embedded engine's ClickHouse version, without opening any data directory."""
    import chdb

    return str(chdb.query("SELECT version()", "CSV")).strip().strip('"')


def engine_in_use(path: Path) -> bool:
    """Whether another process holds the embedded engine's data directory open (the lock that
    ClickHouse takes on ``status``)."""
    status = path / "status"
    if not status.exists():
        return False
    with open(status, "rb") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False


class AnalyticsStore:
    """The ``events`` table and its rollups over one client. Blocking: call from a thread in
    async code. One statement at a time: the worker's sink inserts and its report route reads
    from different threads over this one client, and the embedded engine (chdb) is not safe to
    drive from two threads at once (chdb-io/chdb#426 is a hang of exactly that kind)."""

    def __init__(self, client) -> None:
        self.client = client
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> AnalyticsStore:
        store = cls(connect(settings))
        if migrate:
            try:
                store.migrate()
            except BaseException:
                store.close()
                raise
        return store

    def migrate(self) -> list[str]:
        with self._lock:
            return migrations.migrate(self.client)

    def insert(self, rows: Sequence[tuple]) -> None:
        """Insert ``events`` rows (``streams.analytics.rows``) as one block, a deleted video's
        without the words of its talk (``streams.analytics.forgetting``)."""
        if rows:
            with self._lock:
                kept = forgetting.without_words(self.client, rows)
                self.client.insert("events", kept, column_names=list(COLUMNS))

    def last_forgotten(self) -> tuple[datetime, str] | None:
        with self._lock:
            return forgetting.last_recorded(self.client)

    def forget(self, deleted: Sequence[DeletedVideo], since: datetime) -> int:
        """Record ``deleted`` forgotten and empty the reasons of every video forgotten from ``since``;
        how many rows had some."""
        with self._lock:
            forgetting.record(self.client, deleted)
            return forgetting.scrub(self.client, since)

    def usage(self, tenant_id: str, days: int = 30) -> dict:
        with self._lock:
            return reports.usage(self.client, tenant_id, days)

    def close(self) -> None:
        with self._lock:
            self.client.close()


# -- the worker's read token (embedded engine) ------------------------------------------------
def token_path(settings: Settings) -> Path:
    return settings.data_dir / "worker" / "analytics.token"


def issue_token(settings: Settings) -> str:
    """A fresh token for the worker's analytics route, written where the API finds it (0600)."""
    token = secrets.token_urlsafe(32)
    path = token_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token)
    part.replace(path)
    return token


# -- readers: what the API calls ---------------------------------------------------------------
class WorkerAnalytics:
    """The report from the worker that owns the embedded engine, over its web port."""

    def __init__(self, settings: Settings, timeout: float = 15.0) -> None:
        self.url = f"http://127.0.0.1:{settings.worker_port}{USAGE_PATH}"
        self.token_file = token_path(settings)
        self.timeout = timeout

    async def usage(self, tenant_id: str, days: int = 30) -> dict:
        import httpx

        try:
            token = self.token_file.read_text().strip()
        except OSError:
            raise AnalyticsUnavailable(
                f"analytics are served by the worker, which has not started (no {self.token_file})"
            ) from None
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.get(
                    self.url,
                    params={"tenant_id": tenant_id, "days": days},
                    headers={"Authorization": f"Bearer {token}"},
                )
        except httpx.HTTPError as exc:
            raise AnalyticsUnavailable(f"the worker does not answer at {self.url}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise AnalyticsUnavailable(f"the worker answered {response.status_code}: {response.text[:200]}")
        return response.json()


class ServerAnalytics:
    """The report read straight from a ClickHouse server (the worker migrates it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: AnalyticsStore | None = None
        self._lock = asyncio.Lock()

    async def usage(self, tenant_id: str, days: int = 30) -> dict:
        try:
            async with self._lock:
                if self._store is None:
                    self._store = await asyncio.to_thread(AnalyticsStore.open, self.settings, migrate=False)
            return await asyncio.to_thread(self._store.usage, tenant_id, days)
        except ClipstreamError:
            raise
        except Exception as exc:  # the server is down or the schema is not there yet
            raise AnalyticsUnavailable(
                f"ClickHouse at {self.settings.clickhouse_url}: {type(exc).__name__}: {str(exc)[:300]}"
            ) from None


def open_reader(settings: Settings) -> WorkerAnalytics | ServerAnalytics:
    return ServerAnalytics(settings) if settings.clickhouse_url else WorkerAnalytics(settings)
