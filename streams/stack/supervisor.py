"""`clipstream stack up | down | status`: the local stack as a whole.

Infrastructure components start in parallel (each in its own thread: their starts are mostly
waiting); the application processes start after them, because they need Kafka, Postgres and
Triton. `down` stops in the reverse order. Meilisearch is a component only when the stack is
given a binary for it (``streams.stack.meilisearch.wanted``). The OpenID provider (Hydra and its
people directory, ``streams.stack.hydra``) starts after the infrastructure, whose PostgreSQL it
keeps its data in, when ``identity_provider`` is set.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from streams.errors import StackError
from streams.settings import Settings
from streams.stack.apps import Api, Worker
from streams.stack.clickhouse import ClickHouse
from streams.stack.component import Component, Say, Status
from streams.stack.directory import Directory
from streams.stack.hydra import Hydra
from streams.stack.kafka import Kafka
from streams.stack.meilisearch import Meilisearch, wanted
from streams.stack.minio import MinIO
from streams.stack.postgres import Postgres
from streams.stack.stripe_mock import StripeMock
from streams.stack.triton import Triton

INFRA = (Kafka, Postgres, MinIO, Triton, ClickHouse)
APPS = (Api, Worker)


def infra(settings: Settings) -> list[Component]:
    parts: list[Component] = [cls(settings) for cls in INFRA]
    if wanted(settings):
        parts.append(Meilisearch(settings))
    if settings.stripe_mock or StripeMock(settings).running():
        parts.append(StripeMock(settings))
    return parts


def identity(settings: Settings) -> list[Component]:
    """The local OpenID provider, when asked for or still running (so that `down` stops it)."""
    parts: list[Component] = [Hydra(settings), Directory(settings)]
    return parts if settings.identity_provider or any(c.running() for c in parts) else []


def apps(settings: Settings) -> list[Component]:
    return [cls(settings) for cls in APPS]


def component(settings: Settings, name: str) -> Component:
    extra = [StripeMock(settings), Hydra(settings), Directory(settings)]
    everything = (
        infra(settings) + [c for c in extra if c.name not in {i.name for i in infra(settings)}] + apps(settings)
    )
    for c in everything:
        if c.name == name:
            return c
    names = ", ".join(c.name for c in everything)
    raise StackError(name, f"no such component; choose one of: {names}")


def up(settings: Settings, say: Say, with_apps: bool = False, only: list[str] | None = None) -> dict[str, bool]:
    """Start what is not running. Returns {component: started_now}. Raises the first StackError."""
    lock = threading.Lock()

    def locked_say(msg: str) -> None:
        with lock:
            say(msg)

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    started: dict[str, bool] = {}
    groups = [infra(settings), identity(settings)] + ([apps(settings)] if with_apps else [])
    for group in groups:
        group = [c for c in group if not only or c.name in only]
        with ThreadPoolExecutor(max_workers=len(group) or 1) as pool:
            futures = {c.name: pool.submit(c.start, locked_say) for c in group}
        errors = []
        for name, fut in futures.items():
            try:
                started[name] = fut.result()
            except StackError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
    if not any(started.values()):
        say("stack: everything was already running; nothing to do")
    else:
        say(f"stack: up in {time.monotonic() - began:.1f}s")
    return started


def down(settings: Settings, say: Say, only: list[str] | None = None) -> list[str]:
    """Stop what this stack started (by pid file), apps first. Data stays in place."""
    stopped = []
    for group in (apps(settings), identity(settings), infra(settings)):
        group = [c for c in group if not only or c.name in only]
        with ThreadPoolExecutor(max_workers=len(group) or 1) as pool:
            results = {c.name: pool.submit(c.stop, say) for c in group}
        stopped += [name for name, fut in results.items() if fut.result()]
    if not stopped:
        say("stack: nothing was running")
    return stopped


def status(settings: Settings) -> list[Status]:
    comps = infra(settings) + identity(settings) + apps(settings)
    with ThreadPoolExecutor(max_workers=len(comps)) as pool:
        return list(pool.map(lambda c: c.status(), comps))


def purge(settings: Settings) -> None:
    """Delete every component's data for good (tests and benchmarks). The stack must be down."""
    import shutil

    Postgres(settings).remove_data()
    shutil.rmtree(settings.data_dir, ignore_errors=True)
