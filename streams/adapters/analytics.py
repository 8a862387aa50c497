"""ClickHouse through clickhouse-connect: the embedded engine (chdb) by default, a server when
``CLIPSTREAM_CLICKHOUSE_URL`` is set. Both give the same client API."""

from __future__ import annotations

from streams.settings import Settings


def connect(settings: Settings):
    """A clickhouse-connect client for these settings (caller closes it)."""
    import clickhouse_connect

    if settings.clickhouse_url:
        return clickhouse_connect.get_client(dsn=settings.clickhouse_url)
    settings.clickhouse_path.mkdir(parents=True, exist_ok=True)
    return clickhouse_connect.get_client(interface="chdb", path=str(settings.clickhouse_path))


def engine_version() -> str:
    """The embedded engine's ClickHouse version, without opening any data directory."""
    import chdb

    return str(chdb.query("SELECT version()", "CSV")).strip().strip('"')
