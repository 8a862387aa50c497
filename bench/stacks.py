"""A private stack for a benchmark: its own folder under ``.local`` and ports free when it starts,
so a benchmark never touches the developer's stack or another run's; stopped and its data deleted
however the benchmark ends, but for the logs of a run that failed, kept beside it."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from streams.errors import StackError
from streams.settings import Settings, project_root
from streams.stack import supervisor
from tests.conftest import fresh_stack_settings


@contextmanager
def private_stack(
    *,
    only: list[str] | None = None,
    with_apps: bool = False,
    say: Callable[[str], None] = lambda _m: None,
    **overrides,
) -> Iterator[Settings]:
    """Settings (``overrides`` on fresh ones) of a stack started with ``only`` those components
    (else all the infrastructure) and ``with_apps`` (the API and the worker); a component that
    cannot start ends the benchmark with what its error says, its logs kept."""
    settings = fresh_stack_settings(project_root() / ".local" / f"bench-{uuid.uuid4().hex[:8]}", **overrides)
    try:
        supervisor.up(settings, say, with_apps=with_apps, only=only)
    except StackError as exc:
        supervisor.down(settings, lambda _m: None, only=only)
        # The logs the message points to stay for the person who reads it.
        raise SystemExit(f"the benchmark's stack could not start (its folder is kept): {exc.message}") from exc
    try:
        yield settings
    except BaseException:
        # A video that failed on the way (a model server gone for a minute) is read from the
        # components' logs: they outlive the data, in a folder of their own.
        supervisor.down(settings, lambda _m: None, only=only)
        logs, kept = settings.data_dir / "logs", settings.data_dir.with_name(f"{settings.data_dir.name}-logs")
        if logs.is_dir():
            shutil.move(logs, kept)
            print(f"the benchmark failed: its stack's logs are kept in {kept}", flush=True)
        supervisor.purge(settings)
        raise
    supervisor.down(settings, lambda _m: None, only=only)
    supervisor.purge(settings)
