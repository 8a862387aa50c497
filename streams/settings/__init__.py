"""One settings object, read once from the environment (and an optional `.env` file).

Every knob is an environment variable named ``CLIPSTREAM_<FIELD>`` in upper case, e.g.
``CLIPSTREAM_KAFKA_PORT=19092``. A `.env` file in the working directory (or the file named by
``CLIPSTREAM_ENV_FILE``) supplies values the real environment does not set.

:class:`Settings` is flat (``settings.kafka_port``), declared in groups by concern, each with its
fields' meanings: ``stack`` (the local stack's ports and tools), ``services`` (where Kafka, Triton,
PostgreSQL, storage, ClickHouse and search are), ``api``, ``media`` (upload limits, the sandbox,
chunking, rendering), ``worker`` (agents, retries, stopping) and ``ops`` (logs, error reports).
Derived addresses (Kafka bootstrap servers, Triton URLs, the Postgres DSNs, the API URL) default
to the local stack's ports, so changing one port moves both the server and its clients.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from streams.errors import ConfigError
from streams.settings.api import ApiSettings
from streams.settings.env import PREFIX, coerce, project_root, read_env_file
from streams.settings.media import MediaSettings
from streams.settings.ops import OpsSettings
from streams.settings.services import SEARCH_BACKENDS, ServiceSettings
from streams.settings.stack import StackSettings
from streams.settings.worker import WorkerSettings

__all__ = ["PREFIX", "Settings", "project_root", "read_env_file"]
GROUPS = (StackSettings, ServiceSettings, ApiSettings, MediaSettings, WorkerSettings, OpsSettings)


@dataclass(frozen=True)
class Settings(OpsSettings, WorkerSettings, MediaSettings, ApiSettings, ServiceSettings, StackSettings):
    """Every setting of every process; the meaning of each field is in its group's docstring
    (:mod:`streams.settings.stack`, ``services``, ``api``, ``media``, ``worker``, ``ops``)."""

    def __post_init__(self) -> None:
        derived = {
            "kafka_bootstrap": f"127.0.0.1:{self.kafka_port}",
            "triton_grpc_url": f"127.0.0.1:{self.triton_grpc_port}",
            "triton_http_url": f"http://127.0.0.1:{self.triton_http_port}",
            "postgres_dsn": f"postgresql://clipstream@127.0.0.1:{self.postgres_port}/clipstream",
            "postgres_app_dsn": f"postgresql://clipstream_app@127.0.0.1:{self.postgres_port}/clipstream",
            "storage_url": (self.data_dir / "storage").resolve().as_uri(),
            "s3_endpoint_url": f"http://127.0.0.1:{self.minio_port}",
            "api_url": f"http://{self.api_host}:{self.api_port}",
        }
        for name, value in derived.items():
            if not getattr(self, name):
                object.__setattr__(self, name, value)
        if self.clickhouse_path is None:
            object.__setattr__(self, "clickhouse_path", self.data_dir / "clickhouse")
        if self.search_backend not in SEARCH_BACKENDS:
            raise ConfigError(
                f"{PREFIX}SEARCH_BACKEND={self.search_backend!r}: choose one of {', '.join(SEARCH_BACKENDS)}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``) over the `.env` file."""
        environ = os.environ if environ is None else environ
        env_file = env_file or Path(environ.get(f"{PREFIX}ENV_FILE", ".env"))
        merged = {**read_env_file(env_file), **environ}
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = merged.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = coerce(f.name, f.type, raw)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def clickhouse_dir(self) -> Path:
        """Where the embedded ClickHouse keeps its data: ``clickhouse_path``, which construction
        derives from ``data_dir`` when it is not given."""
        assert self.clickhouse_path is not None, "Settings.__post_init__ derives it"
        return self.clickhouse_path

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed; derived addresses are recomputed unless given."""
        base = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        explicit = {k: v for k, v in base.items() if k not in _DERIVED}
        return Settings(**{**explicit, **changes})

    def as_env(self) -> dict[str, str]:
        """The environment variables that reproduce these settings in a child process."""
        env = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            env[PREFIX + f.name.upper()] = "" if value is None else str(value)
        return env


_DERIVED = {
    "kafka_bootstrap",
    "triton_grpc_url",
    "triton_http_url",
    "postgres_dsn",
    "postgres_app_dsn",
    "storage_url",
    "s3_endpoint_url",
    "api_url",
    "clickhouse_path",
}
