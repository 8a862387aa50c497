"""streams.services.readiness without services: what each need says when nothing answers, what is ready by
configuration alone (a local storage directory, no Meilisearch or ClickHouse server configured),
the timeout naming everything still missing, and the command line refusing an unknown need."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from streams.cli import main as cli

from streams.services import readiness
from streams.errors import ConfigError, NotReady
from streams.services.readiness import NEEDS, Need, expand, unready, wait_until_ready
from streams.settings import Settings
from streams.stack.process import free_port


@pytest.fixture
def nowhere(tmp_path) -> Settings:
    """Every service on a port where nothing listens."""
    closed = free_port()
    return Settings.from_env().with_overrides(
        data_dir=tmp_path, kafka_bootstrap=f"127.0.0.1:{closed}", postgres_dsn=f"postgresql://u:p@127.0.0.1:{closed}/db",
        storage_url="s3://clips", s3_endpoint_url=f"http://127.0.0.1:{closed}",
        triton_http_url=f"http://127.0.0.1:{closed}", meilisearch_url=f"http://127.0.0.1:{closed}",
        clickhouse_url=f"http://u:p@127.0.0.1:{closed}/db")


def test_each_need_says_what_does_not_answer_and_where(nowhere):
    port = nowhere.kafka_bootstrap.rsplit(":", 1)[1]
    missing = asyncio.run(unready(nowhere, list(NEEDS)))
    assert set(missing) == set(NEEDS)
    assert missing["kafka"].startswith(f"Kafka at 127.0.0.1:{port} does not answer")
    assert missing["topics"].startswith(f"Kafka at 127.0.0.1:{port}")
    assert missing["postgres"].startswith(f"PostgreSQL at 127.0.0.1:{port} refuses a connection")
    assert missing["schema"].startswith(f"PostgreSQL at 127.0.0.1:{port}")
    assert missing["storage"].startswith(f"S3 at http://127.0.0.1:{port} does not answer")
    assert missing["bucket"].startswith(f"S3 at http://127.0.0.1:{port}")
    assert missing["triton"].startswith(f"http://127.0.0.1:{port}/v2/health/ready does not answer")
    assert missing["meilisearch"].startswith(f"http://127.0.0.1:{port}/health does not answer")
    assert missing["clickhouse"].startswith(f"http://127.0.0.1:{port}/ping does not answer")
    assert "u:p" not in missing["clickhouse"] and ":p@" not in missing["postgres"]  # no credentials in the words


def test_needs_that_ask_the_same_service_share_one_call_per_round(nowhere, monkeypatch):
    """Kafka and its topics (PostgreSQL and its schema, S3 and its bucket) come from one answer."""
    calls: list[str] = []

    async def broker(settings):
        calls.append(settings.kafka_bootstrap)
        return {"uploads"}

    monkeypatch.setitem(readiness.NEEDS, "kafka", Need(broker))
    monkeypatch.setitem(readiness.NEEDS, "topics", Need(broker, lambda names: f"only {sorted(names)}"))
    assert asyncio.run(unready(nowhere, ["kafka", "topics"])) == {"topics": "only ['uploads']"}
    assert len(calls) == 1


def test_what_is_ready_by_configuration_alone(tmp_path):
    """A storage directory, no Meilisearch server and the embedded ClickHouse: nothing to wait for."""
    local = Settings.from_env().with_overrides(data_dir=tmp_path, storage_url=(tmp_path / "store").as_uri(),
                                               meilisearch_url="", clickhouse_url="")
    assert asyncio.run(unready(local, ["storage", "bucket", "meilisearch", "clickhouse"])) == {}


def test_the_wait_ends_naming_every_need_still_missing(nowhere):
    heard: list[str] = []
    began = time.monotonic()
    with pytest.raises(NotReady) as caught:
        asyncio.run(wait_until_ready(nowhere, ["triton", "meilisearch", "triton"], timeout=1.0, interval=0.2,
                                     say=heard.append))
    assert time.monotonic() - began < 15
    message = str(caught.value)
    assert message.startswith("not ready after 1 s: triton: ") and "; meilisearch: " in message
    assert message.count("triton:") == 1  # a need named twice is awaited once
    assert caught.value.retriable and caught.value.code == "not_ready"
    assert not any("ready" in line and "still" not in line for line in heard)


def test_an_unknown_need_is_a_config_error(nowhere):
    with pytest.raises(ConfigError, match="unknown need.*redis.*known: kafka, topics"):
        asyncio.run(unready(nowhere, ["kafka", "redis"]))


def test_agents_stands_for_what_the_groups_of_this_worker_need(nowhere):
    every = ["kafka", "topics", "schema", "bucket"]
    for groups, extra in [("ingest", []), ("webhooks", []), ("transcribe", ["triton"]), ("moments", ["triton"]),
                          ("render", ["triton"]), ("search", ["meilisearch"]), ("analytics", ["clickhouse"]),
                          ("ingest,search,analytics", ["clickhouse", "meilisearch"]),
                          ("", ["triton", "clickhouse", "meilisearch"])]:
        assert expand(replace(nowhere, agents=groups), ["agents"]) == every + extra, groups
    # Spelled next to other needs, each is awaited once. (dataclasses.replace: with_overrides would
    # recompute the addresses this fixture points nowhere.)
    assert expand(replace(nowhere, agents="render"), ["triton", "agents", "kafka"]) == \
        ["triton", "kafka", "topics", "schema", "bucket"]
    with pytest.raises(ConfigError, match="CLIPSTREAM_AGENTS names unknown agent groups encode"):
        expand(replace(nowhere, agents="encode"), ["agents"])


def test_a_worker_waits_for_its_groups_needs(nowhere):
    missing = asyncio.run(unready(replace(nowhere, agents="search"), ["agents"]))
    assert list(missing) == ["kafka", "topics", "schema", "bucket", "meilisearch"]


def test_the_command_line_refuses_an_unknown_need(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["wait", "redis"])
    assert caught.value.code == 2
    assert "invalid choice: 'redis'" in capsys.readouterr().err


def test_the_command_line_exits_2_naming_what_is_not_ready(nowhere, monkeypatch, capsys):
    for key, value in nowhere.as_env().items():
        monkeypatch.setenv(key, value)
    assert cli.main(["wait", "triton", "--timeout", "0.5", "--then", "true"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: not ready after 0.5 s: triton: http://127.0.0.1:") and "does not answer" in err
