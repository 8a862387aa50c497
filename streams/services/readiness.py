"""Whether the services a process needs are ready, and waiting until they are: ``clipstream wait``.

A container starts its process with ``clipstream wait NEED... -- COMMAND``: it polls each need
until all answer, then becomes COMMAND (exec), so ordering holds wherever the process runs, under
Docker, under podman without systemd (no health checks run, and podman-compose before podman 4.6
ignores ``service_healthy``), or in a Kubernetes pod, and a dependency that restarts later is
the apps' retry policy's business, not the start's.

Needs (``NEEDS``); each answers None when ready, else why not, in words an operator can act on:

- ``kafka``: the broker answers a metadata request.
- ``topics``: every pipeline topic exists (``clipstream migrate`` creates them).
- ``postgres``: the owner DSN accepts a connection.
- ``schema``: every migration in ``schemas/postgres`` is applied (``clipstream migrate``).
- ``storage``: the S3 endpoint answers (nothing to wait for with a local directory).
- ``bucket``: the storage bucket exists (``clipstream migrate`` creates it).
- ``triton``: Triton's HTTP endpoint says ready (every model loaded).
- ``meilisearch``: the configured Meilisearch server is healthy (nothing when none is configured).
- ``clickhouse``: the configured ClickHouse server answers ``/ping`` (nothing for the embedded engine).

``agents`` stands for what the agent groups this process runs need (``CLIPSTREAM_AGENTS``;
``streams.services.agent_groups.NEEDS``), so a worker's start is the same line whichever group it runs:
``clipstream wait agents --then python -m streams.worker``.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from typing import Any, Awaitable, Callable, NamedTuple
from urllib.parse import urlparse

from streams.errors import ConfigError, NotReady
from streams.services import agent_groups
from streams.settings import Settings


class Need(NamedTuple):
    """A need: ``ask`` the service (its answer, or a ``str`` saying why it does not answer), then
    ``judge`` the answer (None when ready, else why not). Needs that share an ``ask`` (Kafka and its
    topics, PostgreSQL and its schema, S3 and its bucket) share one call per round."""

    ask: Callable[[Settings], Awaitable[Any]]
    judge: Callable[[Any], str | None] = lambda _answer: None


async def _topic_names(settings: Settings) -> set[str] | str:
    """The broker's topics, or why the broker does not answer."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        return set(await admin.list_topics())
    except Exception as exc:  # aiokafka raises its own types and OSError alike
        return f"Kafka at {settings.kafka_bootstrap} does not answer ({type(exc).__name__}: {exc})"
    finally:
        await admin.close()


def _missing_topics(existing: set[str]) -> str | None:
    from streams.domain.pipeline import topic_names

    missing = sorted(name for name in topic_names() if name not in existing)
    return f"topics {', '.join(missing)} do not exist yet (clipstream migrate creates them)" if missing else None


async def _applied_migrations(settings: Settings) -> set[str] | str:
    """The migrations PostgreSQL has applied (none before the first), or why it refuses a connection."""
    import asyncpg

    try:
        conn = await asyncpg.connect(settings.postgres_dsn, timeout=5)
    except Exception as exc:  # asyncpg's errors and OSError alike
        parsed = urlparse(settings.postgres_dsn)
        return (
            f"PostgreSQL at {parsed.hostname}:{parsed.port or 5432} refuses a connection ({type(exc).__name__}: {exc})"
        )
    try:
        if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
            return set()
        return {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
    finally:
        await conn.close()


def _pending_migrations(done: set[str]) -> str | None:
    from streams.adapters.db import migration_files

    pending = [path.stem for path in migration_files() if path.stem not in done]
    return f"migrations {', '.join(pending)} are not applied yet (clipstream migrate applies them)" if pending else None


class _BucketAnswer(NamedTuple):
    """The S3 endpoint answered: ``missing`` is None when the bucket exists (or storage is a local
    directory), else why it is not there."""

    missing: str | None


async def _bucket_answer(settings: Settings) -> _BucketAnswer | str:
    return await asyncio.to_thread(_head_bucket, settings)


def _head_bucket(settings: Settings) -> _BucketAnswer | str:
    from botocore.exceptions import BotoCoreError, ClientError

    from streams.adapters.storage import S3Storage, open_storage

    storage = open_storage(settings)
    if not isinstance(storage, S3Storage):
        return _BucketAnswer(None)
    where = settings.s3_endpoint_url or "S3"
    try:
        storage.client.head_bucket(Bucket=storage.bucket)
        return _BucketAnswer(None)
    except ClientError as exc:  # the endpoint answered
        return _BucketAnswer(
            f"bucket {storage.bucket} at {where} is not there yet "
            f"({exc.response.get('Error', {}).get('Code', exc)}; clipstream migrate creates it)"
        )
    except BotoCoreError as exc:
        return f"S3 at {where} does not answer ({exc})"


def _http_ok(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return None if answer.status == 200 else f"{url} answered {answer.status}"
    except urllib.error.HTTPError as exc:
        return f"{url} answered {exc.code}"
    except (OSError, ValueError) as exc:
        return f"{url} does not answer ({exc})"


async def _triton(settings: Settings) -> str | None:
    return await asyncio.to_thread(_http_ok, f"{settings.triton_http_url.rstrip('/')}/v2/health/ready")


async def _meilisearch(settings: Settings) -> str | None:
    if not settings.meilisearch_url:
        return None
    return await asyncio.to_thread(_http_ok, f"{settings.meilisearch_url.rstrip('/')}/health")


async def _clickhouse(settings: Settings) -> str | None:
    if not settings.clickhouse_url:
        return None
    parsed = urlparse(settings.clickhouse_url)
    return await asyncio.to_thread(_http_ok, f"{parsed.scheme}://{parsed.hostname}:{parsed.port or 8123}/ping")


NEEDS: dict[str, Need] = {
    "kafka": Need(_topic_names),
    "topics": Need(_topic_names, _missing_topics),
    "postgres": Need(_applied_migrations),
    "schema": Need(_applied_migrations, _pending_migrations),
    "storage": Need(_bucket_answer),
    "bucket": Need(_bucket_answer, lambda answer: answer.missing),
    "triton": Need(_triton),
    "meilisearch": Need(_meilisearch),
    "clickhouse": Need(_clickhouse),
}


AGENTS = "agents"


def expand(settings: Settings, needs: list[str]) -> list[str]:
    """``needs`` with ``agents`` replaced by the needs of the agent groups in ``settings.agents``,
    each once, in order; ``ConfigError`` for a need no probe answers."""
    unknown = sorted(set(needs) - set(NEEDS) - {AGENTS})
    if unknown:
        raise ConfigError(f"wait: unknown need(s) {', '.join(unknown)}; known: {', '.join([*NEEDS, AGENTS])}")
    spelled = (agent_groups.needs(settings.agents) if need == AGENTS else [need] for need in needs)
    return list(dict.fromkeys(need for group in spelled for need in group))


async def unready(settings: Settings, needs: list[str]) -> dict[str, str]:
    """{need: why it is not ready} for those of ``needs`` that are not; empty when all are."""
    needs = expand(settings, needs)
    asks = list(dict.fromkeys(NEEDS[need].ask for need in needs))
    answers = dict(zip(asks, await asyncio.gather(*(ask(settings) for ask in asks))))
    missing = {}
    for need in needs:
        answer = answers[NEEDS[need].ask]
        why = answer if isinstance(answer, str) else NEEDS[need].judge(answer)
        if why:
            missing[need] = why
    return missing


async def wait_until_ready(
    settings: Settings,
    needs: list[str],
    timeout: float,
    interval: float = 2.0,
    say: Callable[[str], None] = lambda _: None,
) -> None:
    """Poll ``needs`` until all are ready; ``NotReady`` naming each one still missing after ``timeout``
    seconds. ``say`` hears each need once when it becomes ready, and what is still awaited every
    so often."""
    deadline = time.monotonic() + timeout
    waiting = expand(settings, needs)
    last_report = time.monotonic()
    while True:
        missing = await unready(settings, waiting)
        for need in waiting:
            if need not in missing:
                say(f"wait: {need} ready")
        waiting = [need for need in waiting if need in missing]
        if not waiting:
            return
        if time.monotonic() >= deadline:
            raise NotReady(f"not ready after {timeout:g} s: " + "; ".join(f"{n}: {missing[n]}" for n in waiting))
        if time.monotonic() - last_report >= 15:
            say("wait: still waiting for " + "; ".join(f"{n}: {missing[n]}" for n in waiting))
            last_report = time.monotonic()
        await asyncio.sleep(interval)
