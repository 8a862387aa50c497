"""``clipstream migrate`` against real parts: a brand-new PostgreSQL cluster set up the way the
official image's entrypoint leaves it (one superuser owning the database, nothing else), the
test stack's Kafka and MinIO, and an embedded ClickHouse engine in a fresh directory."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import asyncpg
import boto3
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from streams.cli import main as cli
from streams.adapters.db import migration_files
from streams.analytics import migrations as clickhouse_migrations
from streams.errors import ConfigError
from streams.services.migrate import PARTS, app_role_credentials, migrate
from tests.integration.postgres_cluster import run_sql

pytestmark = pytest.mark.integration


def _deployment(settings, bucket: str):
    port = settings.postgres_port
    return settings.with_overrides(
        postgres_dsn=f"postgresql://clipstream@127.0.0.1:{port}/clipstream",
        postgres_app_dsn=f"postgresql://clipstream_app:app%20secret@127.0.0.1:{port}/clipstream",
        clickhouse_path=settings.data_dir / "clickhouse",
        storage_url=f"s3://{bucket}/media",
        s3_endpoint_url=settings.s3_endpoint_url,
        kafka_bootstrap=settings.kafka_bootstrap,
    )


async def _topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def _app_role(settings) -> dict:
    port = settings.postgres_port
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres")
    try:
        role = dict(await conn.fetchrow(
            "SELECT rolcanlogin, rolbypassrls, rolsuper, rolpassword IS NOT NULL AS has_password"
            " FROM pg_authid WHERE rolname = 'clipstream_app'"))
    finally:
        await conn.close()
    # The API's role sees no tenant's rows until the request names one (row-level security).
    conn = await asyncpg.connect(f"postgresql://clipstream_app@127.0.0.1:{port}/clipstream")
    try:
        role["tenants_visible"] = await conn.fetchval("SELECT count(*) FROM tenants")
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', 'default', true)")
            role["default_tenant_visible"] = await conn.fetchval("SELECT count(*) FROM tenants")
    finally:
        await conn.close()
    return role


def test_migrate_prepares_a_fresh_deployment_and_a_second_run_changes_nothing(fresh_cluster, monkeypatch, capsys):
    settings, _ = fresh_cluster
    bucket = f"migrate-{uuid.uuid4().hex[:8]}"
    deployment = _deployment(settings, bucket)
    said = []

    first = {r.part: r.changed for r in migrate(deployment, say=said.append)}

    assert list(first) == list(PARTS)
    assert first["postgres"] == ["created role clipstream_app",
                                 "applied " + ", ".join(p.stem for p in migration_files())]
    assert first["clickhouse"] == ["applied " + ", ".join(m.name for m in clickhouse_migrations.load())]
    assert first["storage"] == [f"created bucket {bucket}"]
    assert said[0].startswith("postgres: created role clipstream_app, applied 0001_")
    from streams.worker import topics

    from streams.adapters.dlq import REPLAY_LOG

    wanted = {t.get_topic_name() for t in topics.ALL} | {REPLAY_LOG}
    deadline = time.monotonic() + 30  # a topic created just now reaches the metadata in a moment
    while not wanted <= (present := asyncio.run(_topics(deployment.kafka_bootstrap))) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert wanted <= present, wanted - present
    assert asyncio.run(_app_role(settings)) == {
        "rolcanlogin": True, "rolbypassrls": False, "rolsuper": False, "has_password": True,
        "tenants_visible": 0, "default_tenant_visible": 1}
    s3 = boto3.client("s3", endpoint_url=deployment.s3_endpoint_url, aws_access_key_id=deployment.s3_access_key,
                      aws_secret_access_key=deployment.s3_secret_key, region_name=deployment.s3_region)
    s3.head_bucket(Bucket=bucket)

    # The second run goes through the command line, as the compose service and the Job run it.
    for name, value in deployment.as_env().items():
        monkeypatch.setenv(name, value)
    assert cli.main(["migrate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {part: [] for part in PARTS}
    s3.delete_bucket(Bucket=bucket)


def test_an_owner_that_does_not_bypass_row_level_security_is_refused(fresh_cluster):
    settings, server = fresh_cluster
    asyncio.run(run_sql(server.superuser_dsn(), "CREATE ROLE weak_owner LOGIN", "CREATE DATABASE weak OWNER weak_owner"))
    weak = settings.with_overrides(postgres_dsn=f"postgresql://weak_owner@127.0.0.1:{settings.postgres_port}/weak")
    with pytest.raises(ConfigError, match="must bypass row-level security"):
        migrate(weak, ["postgres"])
    conn_check = asyncio.run(_tables(weak.postgres_dsn))
    assert conn_check == 0  # refused before any migration ran


async def _tables(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()


def test_the_app_dsn_must_name_the_role_the_migrations_grant_to():
    assert app_role_credentials("postgresql://clipstream_app:p%40ss@db:5432/clipstream") == ("clipstream_app", "p@ss")
    assert app_role_credentials("postgresql://clipstream_app@db/clipstream") == ("clipstream_app", None)
    with pytest.raises(ConfigError, match="must name that role"):
        app_role_credentials("postgresql://api:secret@db/clipstream")


def test_unknown_parts_are_refused(stack):
    with pytest.raises(ConfigError, match="unknown part"):
        migrate(stack, ["postgres", "elasticsearch"])
