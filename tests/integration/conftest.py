"""Fixtures the integration tests share (the test stack itself is ``stack`` in tests/conftest.py)."""

from __future__ import annotations

import asyncio

import pytest

from streams.stack.process import free_port
from tests.integration.postgres_cluster import BarePostgres, run_sql


@pytest.fixture(scope="module")
def fresh_cluster(stack, tmp_path_factory):
    """A new cluster whose superuser ``clipstream`` owns the database ``clipstream``: what the
    compose file's postgres service starts with. Yields (settings pointing at it, the server)."""
    settings = stack.with_overrides(data_dir=tmp_path_factory.mktemp("migrate"), postgres_port=free_port())
    server = BarePostgres(settings)
    server.start(lambda _m: None)
    try:
        asyncio.run(run_sql(server.superuser_dsn(), "CREATE ROLE clipstream SUPERUSER LOGIN",
                            "CREATE DATABASE clipstream OWNER clipstream"))
        yield settings, server
    finally:
        server.stop(lambda _m: None)
        server.remove_data()
