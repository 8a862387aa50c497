"""ClickHouse: the embedded engine (chdb, in the processes that use it), or a configured server.

The embedded engine has no process to start; `up` creates its data directory, checks that the
engine loads and applies the migrations of ``schemas/clickhouse`` (unless a running worker holds
the directory: chdb lets one process open it, and the worker migrates as it starts). `status`
reports the engine's version. With ``CLIPSTREAM_CLICKHOUSE_URL`` set, `up` migrates the server and
`status` pings it.
"""

from __future__ import annotations

import time
import urllib.request

from streams.adapters.analytics import AnalyticsStore, engine_in_use
from streams.errors import ComponentFailed, MissingDependency
from streams.stack.component import Component, Say, Status


class ClickHouse(Component):
    name = "clickhouse"

    def _engine_version(self) -> str:
        try:
            from streams.adapters.analytics import engine_version

            return engine_version()
        except ImportError:
            raise MissingDependency(self.name, "chdb is not installed; run: .venv/bin/pip install -e .") from None

    def _server_up(self) -> bool:
        url = self.settings.clickhouse_url.replace("clickhouse://", "http://").split("?")[0].rstrip("/")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def start(self, say: Say) -> bool:
        began = time.monotonic()
        if self.settings.clickhouse_url:
            if not self._server_up():
                raise ComponentFailed(self.name, f"server {self.settings.clickhouse_url} does not answer /ping")
            say(f"{self.name}: using server {self.settings.clickhouse_url}{self._migrate()}")
            return False
        self.settings.clickhouse_dir.mkdir(parents=True, exist_ok=True)
        version = self._engine_version()
        if engine_in_use(self.settings.clickhouse_dir):
            done = "; held by a running worker, which migrates it"
        else:
            done = self._migrate()
        say(
            f"{self.name}: embedded engine {version} at {self.settings.clickhouse_dir}{done} "
            f"({time.monotonic() - began:.1f}s)"
        )
        return False

    def _migrate(self) -> str:
        try:
            store = AnalyticsStore.open(self.settings, migrate=False)
        except Exception as exc:
            raise ComponentFailed(self.name, f"cannot open ClickHouse: {exc}") from None
        try:
            ran = store.migrate()
        finally:
            store.close()
        return f"; migrations applied: {', '.join(ran)}" if ran else "; schema up to date"

    def stop(self, say: Say) -> bool:
        return False

    def status(self) -> Status:
        if self.settings.clickhouse_url:
            return Status(
                self.name,
                self._server_up(),
                None,
                None,
                "",
                "",
                None,
                url=self.settings.clickhouse_url,
                detail="server",
            )
        began = time.monotonic()
        try:
            version, up = self._engine_version(), True
        except Exception as exc:  # report, never crash status
            version, up = str(exc), False
        return Status(
            self.name,
            up,
            None,
            None,
            version,
            str(self.settings.clickhouse_dir),
            round(time.monotonic() - began, 2),
            detail="embedded (chdb)",
        )
