"""One settings object, read once from the environment (and an optional `.env` file).

Every knob is an environment variable named ``CLIPSTREAM_<FIELD>`` in upper case, e.g.
``CLIPSTREAM_KAFKA_PORT=19092``. A `.env` file in the working directory (or the file named by
``CLIPSTREAM_ENV_FILE``) supplies values the real environment does not set.

Derived addresses (Kafka bootstrap servers, Triton URLs, the Postgres DSN, the API URL) default
to the local stack's ports, so changing one port moves both the server and its clients.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from streams.errors import ConfigError

PREFIX = "CLIPSTREAM_"
SEARCH_BACKENDS = ("auto", "embedded", "meilisearch")


def project_root() -> Path:
    """The checkout this package lives in (where `.local/` goes by default)."""
    return Path(__file__).resolve().parent.parent


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: ``KEY=VALUE`` lines, ``#`` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


@dataclass(frozen=True)
class Settings:
    """Attributes:
    data_dir: where every local component keeps its data, logs and pid files.
    kafka_port / kafka_controller_port: the local broker's client and KRaft controller ports.
    kafka_bootstrap: bootstrap servers for clients (defaults to the local broker).
    kafka_partitions: partitions for the pipeline's topics.
    kafka_replication: replicas of each topic the worker creates (3 on a production cluster).
    triton_http_port / triton_grpc_port / triton_metrics_port: the local Triton's ports.
    triton_grpc_url / triton_http_url: where clients reach Triton (default: the local one).
    triton_model_repo: the model repository Triton serves.
    postgres_port: the local PostgreSQL's port; postgres_dsn: how clients connect.
    storage_url: ``file:///abs/dir`` (default: ``data_dir/storage``) or ``s3://bucket[/prefix]``.
    s3_endpoint_url / s3_access_key / s3_secret_key / s3_region: S3 connection (MinIO locally).
    minio_port / minio_console_port: the local MinIO's ports.
    clickhouse_url: a ClickHouse server URL; empty means the embedded engine at clickhouse_path.
    search_backend: ``auto`` (Meilisearch when ``meilisearch_url`` is set or the local stack runs
        one, else the embedded index), ``embedded`` (always the embedded index) or ``meilisearch``
        (Meilisearch or an error that says how to get one).
    meilisearch_url / meilisearch_key: a Meilisearch server to use; empty means the local stack's
        own when it runs one, else the embedded index. For ``POST /v1/search/token`` the key must
        be the master key, or a key with ``keys.get``.
    meilisearch_bin: the Meilisearch server binary the local stack runs (empty: ``meilisearch``
        on PATH; none found and no ``meilisearch_url``: the stack runs none).
    meilisearch_port: where the local stack's Meilisearch listens.
    meilisearch_public_url: where front ends reach that Meilisearch with a tenant token (empty:
        ``meilisearch_url``).
    sentry_dsn / environment / release: error reporting; no DSN means sentry is a no-op.
    api_host / api_port: where the API listens; api_url: where clients reach it.
    api_key: the API key the CLI and client send (``CLIPSTREAM_API_KEY``); empty means the key
        saved by ``clipstream stack up`` in ``data_dir/credentials.json`` for the local tenant.
    postgres_app_dsn: how the API connects: a non-owner role subject to row-level security.
    admin_token: the operator's token for ``/v1/admin`` routes (tenant creation); empty disables them.
    rate_limit_per_second / rate_limit_burst: each API key's token bucket (429 with Retry-After).
    max_body_bytes: the largest non-upload request body (JSON).
    idempotency_ttl_hours: how long an ``Idempotency-Key`` and its stored response are kept (>= 24).
    webhook_allowed_hosts: comma-separated hosts exempt from the private-address guard (local
        development and tests only); applies to webhook endpoints and source URLs.
    webhook_retry_schedule: comma-separated delays in seconds between webhook attempts.
    webhook_timeout_seconds: how long one webhook delivery attempt may take.
    source_fetch_timeout_seconds: how long downloading a video from a source URL may take.
    presigned_upload_seconds: how long a presigned direct-to-S3 upload form stays valid.
    url_signing_secret: the key of signed links (players, progress streams); empty means a random
        one per API process, so set it when running several API replicas.
    worker_port: the Faust worker's web port (health and metrics).
    worker_host: the address the worker's web server binds (0.0.0.0 in containers, so the health
        probe and the metrics scraper can reach it).
    agents: comma-separated agent groups this worker runs (ingest, transcribe, moments, render,
        webhooks, analytics, search); empty runs them all. Each group scales on its own this way.
    log_format: ``json`` (one object per line, with tenant/video/event/trace ids) or ``text``.
    cache_dir: downloaded jars and built binaries, shared by every checkout on the machine.
    pg_bindir: PostgreSQL server binaries; empty means find them (/usr/lib/postgresql/*/bin).
    java: the Java runtime for Kafka; empty means ``java`` on PATH (or $JAVA_HOME/bin/java).
    maven_repo_url: the Maven repository Kafka's jars come from.
    max_upload_bytes / max_duration_seconds: the largest and longest upload accepted.
    media_sandbox_memory_mb / media_sandbox_probe_seconds / media_sandbox_decode_speed /
    media_sandbox_video_decode_speed: uploads are only ever parsed in a confined child process
        (``streams.media.sandbox``: ingest's probe and audio decode, the picture looks of
        transcribe and reframing, the renderer's probe) with this much address space, this many
        wall-clock seconds for a probe, ``probe_seconds + duration / decode_speed`` seconds to
        decode the audio and ``probe_seconds + duration / video_decode_speed`` to look at a
        stretch of picture (CPU time: one second more per decoder thread, so a reader stuck on
        one core is stopped by the clock); a file that crashes the child or needs more fails its
        video (``media_unreadable``, ``media_timeout``), never the worker.
    chunk_min_seconds / chunk_max_seconds: audio chunk lengths (cut at the quietest point between).
    glance_fps: frames a second of each chunk's picture sent to the face detector for the moments'
        faces signal (scene cuts are found in the same decode); 0 leaves the picture out of the
        scores (faces and scene cuts neutral) and saves that decode.
    render_preset / render_crf: libx264 speed/quality for clips (``veryfast``/21 by default).
    stage_attempts / stage_retry_seconds: a stage's retry budget for one message's transient
        failure (Triton, storage or the database unavailable): tries in all, and the time from the
        first try within which another may start; whichever runs out first dead-letters the
        message and fails its video with the reason (``streams.worker.retry``).
    stage_retry_backoff_seconds / stage_retry_max_backoff_seconds: the pause before the second
        try (doubled after each, up to the max; each drawn between half and all of that).
    stage_retry_budgets: per-stage overrides, ``stage=attempts/seconds`` pairs separated by
        commas, e.g. ``transcribe=12/600,render=4/120``.
    max_event_bytes: the largest message a stage reads; a bigger one is dead-lettered
        (``event_too_large``) with its first 64 KiB. Keep it under the producer's request limit
        (1,000,000 bytes) so every message a stage accepts also fits on its dead-letter topic.
    worker_stop_grace_seconds: how long a worker asked to stop (SIGTERM or SIGINT) lets the
        messages in hand finish after it stops taking new ones; what is still running then is
        abandoned uncommitted, for the next owner of its partition. Keep the orchestrator's stop
        timeout (Kubernetes' ``terminationGracePeriodSeconds``, compose's ``stop_grace_period``)
        above it, with room for the worker to leave its consumer groups.
    transcribe_max_speed: the fastest transcription runs, in seconds of audio per wall-clock
        second (0: as fast as the model goes). A chunk transcribed faster is held back until its
        share of time has passed. For demonstrations and tests of streaming (results of the early
        chunks must come out while later ones are still being transcribed), and for sharing one
        inference server politely with other work.
    """

    data_dir: Path = field(default_factory=lambda: project_root() / ".local")
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    kafka_bootstrap: str = ""
    kafka_partitions: int = 4
    kafka_replication: int = 1
    triton_http_port: int = 18000
    triton_grpc_port: int = 18001
    triton_metrics_port: int = 18002
    triton_grpc_url: str = ""
    triton_http_url: str = ""
    triton_model_repo: Path = field(default_factory=lambda: project_root() / "models" / "triton_repo")
    postgres_port: int = 15432
    postgres_dsn: str = ""
    storage_url: str = ""
    s3_endpoint_url: str = ""
    s3_access_key: str = "clipstream"
    s3_secret_key: str = "clipstream-secret"
    s3_region: str = "us-east-1"
    minio_port: int = 19000
    minio_console_port: int = 19001
    clickhouse_url: str = ""
    clickhouse_path: Path | None = None
    search_backend: str = "auto"
    meilisearch_url: str = ""
    meilisearch_key: str = ""
    meilisearch_bin: str = ""
    meilisearch_port: int = 17700
    meilisearch_public_url: str = ""
    sentry_dsn: str = ""
    environment: str = "development"
    release: str = ""
    api_host: str = "127.0.0.1"
    api_port: int = 18080
    api_url: str = ""
    api_key: str = ""
    postgres_app_dsn: str = ""
    admin_token: str = ""
    rate_limit_per_second: float = 20.0
    rate_limit_burst: int = 40
    max_body_bytes: int = 1024 * 1024
    idempotency_ttl_hours: float = 24.0
    webhook_allowed_hosts: str = ""
    webhook_retry_schedule: str = "5,300,1800,7200,18000,36000,36000"
    webhook_timeout_seconds: float = 15.0
    source_fetch_timeout_seconds: float = 600.0
    presigned_upload_seconds: int = 900
    url_signing_secret: str = ""
    worker_port: int = 18066
    worker_host: str = "127.0.0.1"
    agents: str = ""
    log_format: str = "json"
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "clipstream")
    pg_bindir: str = ""
    java: str = ""
    maven_repo_url: str = "https://repo.maven.apache.org/maven2"
    max_upload_bytes: int = 8 * 1024**3
    max_duration_seconds: float = 4 * 3600.0
    media_sandbox_memory_mb: int = 2048
    media_sandbox_probe_seconds: float = 60.0
    media_sandbox_decode_speed: float = 10.0
    media_sandbox_video_decode_speed: float = 1.0
    chunk_min_seconds: float = 60.0
    chunk_max_seconds: float = 120.0
    glance_fps: float = 1.0
    render_preset: str = "veryfast"
    render_crf: int = 21
    stage_attempts: int = 8
    stage_retry_seconds: float = 300.0
    stage_retry_backoff_seconds: float = 1.0
    stage_retry_max_backoff_seconds: float = 60.0
    stage_retry_budgets: str = ""
    max_event_bytes: int = 512 * 1024
    worker_stop_grace_seconds: float = 20.0
    transcribe_max_speed: float = 0.0

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
            values[f.name] = _coerce(f.name, f.type, raw)
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


def _coerce(name: str, type_: object, raw: str) -> object:
    type_name = str(type_)
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if "Path" in type_name:
            return Path(raw).expanduser().resolve() if raw else None
    except ValueError:
        raise ConfigError(f"{PREFIX}{name.upper()}={raw!r} is not a valid {type_name}") from None
    return raw
