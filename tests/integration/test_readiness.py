"""``clipstream wait`` against real parts: a brand-new PostgreSQL cluster (as the compose file's
postgres service starts) is reachable but not at its latest migration until ``clipstream migrate``
runs; the test stack's Kafka, MinIO, Triton and a real Meilisearch answer; a bucket nobody made is
not ready while its endpoint is; and the command becomes the one after ``--then`` once all are ready."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import pytest

from streams.adapters.db import migration_files
from streams.services.migrate import migrate
from streams.services.readiness import unready, wait_until_ready

pytestmark = pytest.mark.integration


def test_postgres_is_ready_before_its_schema_and_both_after_migrate(fresh_cluster):
    settings, _server = fresh_cluster
    port = settings.postgres_port
    settings = settings.with_overrides(postgres_dsn=f"postgresql://clipstream@127.0.0.1:{port}/clipstream",
                                       postgres_app_dsn=f"postgresql://clipstream_app:secret@127.0.0.1:{port}/clipstream")
    missing = asyncio.run(unready(settings, ["postgres", "schema"]))
    assert list(missing) == ["schema"]
    names = [path.stem for path in migration_files()]
    assert missing["schema"] == f"migrations {', '.join(names)} are not applied yet (clipstream migrate applies them)"
    migrate(settings, ["postgres"])
    assert asyncio.run(unready(settings, ["postgres", "schema"])) == {}


def test_the_stack_answers_and_a_missing_bucket_is_named(stack, meilisearch):
    settings = stack.with_overrides(meilisearch_url=meilisearch.url)
    migrate(settings, ["kafka", "storage"])
    assert asyncio.run(unready(settings, ["kafka", "topics", "storage", "bucket", "triton", "meilisearch"])) == {}
    elsewhere = settings.with_overrides(storage_url=f"s3://never-made-{uuid.uuid4().hex[:8]}")
    missing = asyncio.run(unready(elsewhere, ["storage", "bucket"]))
    assert list(missing) == ["bucket"]
    assert missing["bucket"].startswith(f"bucket {elsewhere.storage_url[5:]} at {settings.s3_endpoint_url} is not there yet")
    heard: list[str] = []
    asyncio.run(wait_until_ready(settings, ["kafka", "triton"], timeout=30, say=heard.append))
    assert heard == ["wait: kafka ready", "wait: triton ready"]


def test_the_command_becomes_the_program_after_then(stack):
    env = {**os.environ, **stack.as_env()}
    done = subprocess.run([sys.executable, "-m", "streams.cli", "wait", "kafka", "bucket", "--timeout", "60", "--then",
                           sys.executable, "-c", "import os, sys; print('running as', os.getpid()); sys.exit(3)"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines()[-1].startswith("running as ")
    assert "wait: kafka ready" in done.stderr + done.stdout
