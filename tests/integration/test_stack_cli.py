"""`clipstream stack` as an operator uses it: idempotent up, down that leaves nothing running and
keeps the data, status --json, and one-line errors that name the component and the fix.

These run the real CLI in subprocesses against a second, private stack (Kafka and PostgreSQL
only, so the lifecycle stays quick) on its own free ports.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.settings import project_root
from streams.stack import supervisor
from streams.stack.process import is_running
from tests.conftest import fresh_stack_settings

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "streams.cli"]


def run_cli(settings, *args, extra_env=None, timeout=300):
    env = {**os.environ, **settings.as_env(), **(extra_env or {})}
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=project_root())


@pytest.fixture(scope="module")
def small_stack():
    data_dir = project_root() / ".local" / f"test-cli-{uuid.uuid4().hex[:8]}"
    settings = fresh_stack_settings(data_dir)
    yield settings
    run_cli(settings, "stack", "down")
    supervisor.purge(settings)


async def _produce(bootstrap, topic, value):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value)
    finally:
        await producer.stop()


async def _consume_all(bootstrap, topic):
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"g-{uuid.uuid4().hex[:8]}")
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=15000)
        return [r.value for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()


async def _pg(dsn, sql, *args):
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def test_up_is_idempotent_down_stops_everything_and_data_survives(small_stack):
    s = small_stack
    first = run_cli(s, "stack", "up", "--only", "kafka", "postgres")
    assert first.returncode == 0, first.stderr
    assert "kafka: ready" in first.stdout and "postgres: ready" in first.stdout

    second = run_cli(s, "stack", "up", "--only", "kafka", "postgres")
    assert second.returncode == 0, second.stderr
    assert "kafka: already running" in second.stdout and "postgres: already running" in second.stdout
    assert "nothing to do" in second.stdout

    status = json.loads(run_cli(s, "stack", "status", "--json").stdout)
    comps = status["components"]
    for name in ("kafka", "postgres", "minio", "triton", "clickhouse", "api", "worker"):
        assert {"up", "pid", "port", "version", "start_seconds"} <= set(comps[name]), name
    assert comps["kafka"]["up"] and comps["postgres"]["up"]
    assert comps["kafka"]["start_seconds"] > 0 and comps["kafka"]["version"].startswith("3.9")
    assert comps["api"]["url"] == s.api_url
    pids = [comps["kafka"]["pid"], comps["postgres"]["pid"]]

    topic = f"survive-{uuid.uuid4().hex[:8]}"
    asyncio.run(_produce(s.kafka_bootstrap, topic, b"before down"))
    asyncio.run(_pg(s.postgres_dsn, "INSERT INTO videos (video_id, filename, source_uri, size_bytes) "
                                    "VALUES ('survivor', 'a.mp4', 'file:///a.mp4', 1)"))

    down = run_cli(s, "stack", "down")
    assert down.returncode == 0, down.stderr
    assert not any(is_running(pid) for pid in pids)
    leftovers = subprocess.run(["pgrep", "-f", str(s.data_dir)], capture_output=True, text=True).stdout.split()
    assert leftovers == []

    again = run_cli(s, "stack", "up", "--only", "kafka", "postgres")
    assert again.returncode == 0, again.stderr
    assert "formatting" not in again.stdout and "initialising" not in again.stdout
    assert asyncio.run(_consume_all(s.kafka_bootstrap, topic)) == [b"before down"]
    rows = asyncio.run(_pg(s.postgres_dsn, "SELECT filename FROM videos WHERE video_id = 'survivor'"))
    assert [r["filename"] for r in rows] == ["a.mp4"]


def test_stale_pid_file_is_reported_and_replaced(small_stack):
    s = small_stack
    run_cli(s, "stack", "down", "--only", "postgres")
    dead = subprocess.Popen(["true"])
    dead.wait()
    pidfile = s.data_dir / "run" / "postgres.json"
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(json.dumps({"pid": dead.pid, "ports": [s.postgres_port], "marker": "x"}))
    result = run_cli(s, "stack", "up", "--only", "postgres")
    assert result.returncode == 0, result.stderr
    assert f"postgres: removed stale pid file (pid {dead.pid} is not running)" in result.stdout
    assert "postgres: ready" in result.stdout


def _one_line_error(result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_port_taken_names_component_and_setting(tmp_path):
    settings = fresh_stack_settings(tmp_path / "stack")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", settings.postgres_port))
        blocker.listen()
        line = _one_line_error(run_cli(settings, "stack", "up", "--only", "postgres"))
    assert line.startswith("error: postgres: port ")
    assert "CLIPSTREAM_POSTGRES_PORT" in line


def test_no_jdk_names_kafka_and_the_package(tmp_path):
    settings = fresh_stack_settings(tmp_path / "stack")
    bin_dir = tmp_path / "bin"  # a PATH with the tools Kafka needs, except java
    bin_dir.mkdir()
    for tool in ("mvn", "pgrep"):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    line = _one_line_error(run_cli(settings, "stack", "up", "--only", "kafka",
                                   extra_env={"PATH": str(bin_dir), "JAVA_HOME": ""}))
    assert line.startswith("error: kafka: `java` not found")
    assert "apt-get install -y openjdk-17-jre-headless" in line


def test_maven_central_unreachable_names_kafka_and_the_registry(tmp_path):
    settings = fresh_stack_settings(tmp_path / "stack")
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{closed.getsockname()[1]}/maven2"
    line = _one_line_error(run_cli(settings, "stack", "up", "--only", "kafka", extra_env={
        "CLIPSTREAM_CACHE_DIR": str(tmp_path / "empty-cache"), "CLIPSTREAM_MAVEN_REPO_URL": dead_url}))
    assert line.startswith("error: kafka: could not resolve Kafka's jars from " + dead_url)
    assert "Maven registry is reachable" in line


def test_missing_postgres_package_names_the_apt_package(tmp_path):
    settings = fresh_stack_settings(tmp_path / "stack")
    line = _one_line_error(run_cli(settings, "stack", "up", "--only", "postgres",
                                   extra_env={"CLIPSTREAM_PG_BINDIR": str(tmp_path / "nowhere")}))
    assert line.startswith("error: postgres: PostgreSQL server binaries")
    assert "apt-get install -y postgresql" in line


def test_unknown_component_in_logs_lists_the_choices(small_stack):
    line = _one_line_error(run_cli(small_stack, "stack", "logs", "kafak"))
    assert "kafak: no such component" in line and "kafka" in line


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the cluster as the postgres user")
def test_postgres_runs_from_a_checkout_the_postgres_user_cannot_reach(tmp_path):
    private = project_root() / ".local" / f"private-{uuid.uuid4().hex[:8]}"
    private.mkdir(parents=True)
    private.chmod(0o700)  # like a checkout under /root
    settings = fresh_stack_settings(private / "stack")
    try:
        result = run_cli(settings, "stack", "up", "--only", "postgres")
        assert result.returncode == 0, result.stderr
        link = settings.data_dir / "postgres" / "data"
        assert link.is_symlink() and str(link.resolve()).startswith("/var/lib/clipstream/postgres/")
        rows = asyncio.run(_pg(settings.postgres_dsn, "SELECT count(*) AS n FROM videos"))
        assert rows[0]["n"] == 0
    finally:
        run_cli(settings, "stack", "down")
        supervisor.purge(settings)
        shutil.rmtree(private, ignore_errors=True)
    assert not link.exists()
