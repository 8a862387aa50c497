"""``clipstream migrate``: what a deployment prepares once before the API and the agents start.

Each part is idempotent (a second run changes nothing and says so), so the compose file and the
Kubernetes Job run it on every deploy:

- ``postgres``: the API's role ``clipstream_app`` (created with the password in
  ``CLIPSTREAM_POSTGRES_APP_DSN`` when the owner role may create roles), then the migrations in
  ``schemas/postgres``. The owner role (``CLIPSTREAM_POSTGRES_DSN``) must bypass row-level
  security: the worker reads every tenant's rows through it.
- ``clickhouse``: the migrations in ``schemas/clickhouse`` on the server named by
  ``CLIPSTREAM_CLICKHOUSE_URL`` (or on the embedded engine's directory when none is set).
- ``kafka``: the pipeline's topics, with ``CLIPSTREAM_KAFKA_PARTITIONS`` partitions. Skip it where
  topics are declared elsewhere (Strimzi ``KafkaTopic`` resources on Kubernetes).
- ``storage``: the bucket of an ``s3://`` storage URL (nothing to do for a local directory).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import unquote, urlparse

from streams.errors import ClipstreamError, ConfigError
from streams.settings import Settings

PARTS = ("postgres", "clickhouse", "kafka", "storage")


@dataclass
class PartResult:
    """Attributes:
    part: one of ``PARTS``.
    changed: what this run did (migrations applied, role or topics or bucket created); empty when
        the part was already up to date.
    """

    part: str
    changed: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"{self.part}: {', '.join(self.changed) if self.changed else 'up to date'}"


def migrate(
    settings: Settings,
    parts: Iterable[str] = PARTS,
    kafka_replication: int = 1,
    say: Callable[[str], None] = lambda _: None,
) -> list[PartResult]:
    """Run the named parts in ``PARTS`` order; each result is also passed to ``say`` as a line."""
    chosen = list(parts)
    unknown = sorted(set(chosen) - set(PARTS))
    if unknown:
        raise ConfigError(f"migrate: unknown part(s) {', '.join(unknown)}; known: {', '.join(PARTS)}")
    steps = {
        "postgres": lambda: asyncio.run(_postgres(settings)),
        "clickhouse": lambda: _clickhouse(settings),
        "kafka": lambda: asyncio.run(_kafka(settings, kafka_replication)),
        "storage": lambda: _storage(settings),
    }
    results = []
    for part in PARTS:
        if part in chosen:
            result = PartResult(part, steps[part]())
            say(result.line())
            results.append(result)
    return results


# -- PostgreSQL -------------------------------------------------------------------------------
def app_role_credentials(app_dsn: str) -> tuple[str, str | None]:
    """The role and password (None when the DSN has none) named by the API's DSN."""
    from streams.adapters.db import APP_ROLE

    parsed = urlparse(app_dsn)
    role = unquote(parsed.username or "")
    if role != APP_ROLE:
        raise ConfigError(
            f"CLIPSTREAM_POSTGRES_APP_DSN connects as {role or 'no role'!r}; the migrations grant the "
            f"API's rights to {APP_ROLE!r}, so the DSN must name that role"
        )
    return role, (unquote(parsed.password) if parsed.password is not None else None)


async def _postgres(settings: Settings) -> list[str]:
    import asyncpg

    from streams.adapters.db import apply_migrations

    role, password = app_role_credentials(settings.postgres_app_dsn)
    try:
        conn = await asyncpg.connect(settings.postgres_dsn, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise ClipstreamError(f"postgres: cannot connect with CLIPSTREAM_POSTGRES_DSN ({exc})") from None
    changed = []
    try:
        owner = await conn.fetchrow(
            "SELECT rolname, rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        if not (owner["rolsuper"] or owner["rolbypassrls"]):
            raise ConfigError(
                f"postgres: the owner role {owner['rolname']!r} must bypass row-level security "
                f"(the worker reads every tenant's rows); run as a superuser: "
                f'ALTER ROLE "{owner["rolname"]}" BYPASSRLS'
            )
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
            if not (owner["rolsuper"] or owner["rolcreaterole"]):
                raise ConfigError(
                    f"postgres: role {role!r} is missing and {owner['rolname']!r} may not create roles; "
                    f"create it once as a superuser: CREATE ROLE {role} LOGIN NOBYPASSRLS PASSWORD '...'"
                )
            create = await conn.fetchval(
                "SELECT format('CREATE ROLE %I LOGIN NOBYPASSRLS', $1::text)"
                " || CASE WHEN $2::text IS NULL THEN '' ELSE format(' PASSWORD %L', $2::text) END",
                role,
                password,
            )
            await conn.execute(create)
            changed.append(f"created role {role}")
    finally:
        await conn.close()
    applied = await apply_migrations(settings.postgres_dsn)
    if applied:
        changed.append(f"applied {', '.join(applied)}")
    return changed


# -- ClickHouse, Kafka, object storage --------------------------------------------------------
def _clickhouse(settings: Settings) -> list[str]:
    from streams.adapters.analytics import AnalyticsStore

    where = settings.clickhouse_url or f"the embedded engine at {settings.clickhouse_path}"
    try:
        store = AnalyticsStore.open(settings, migrate=False)
    except Exception as exc:  # clickhouse-connect raises its own types and OSError alike
        raise ClipstreamError(f"clickhouse: cannot open {where} ({exc})") from None
    try:
        ran = store.migrate()
    finally:
        store.close()
    return [f"applied {', '.join(ran)}"] if ran else []


async def _kafka(settings: Settings, replication: int) -> list[str]:
    from streams.adapters.dlq import REPLAY_LOG
    from streams.adapters.kafka_admin import ensure_topics
    from streams.domain.pipeline import topic_names

    names = list(topic_names())
    created = await ensure_topics(settings.kafka_bootstrap, names, settings.kafka_partitions, replication)
    # The replay log of `clipstream dlq replay`: one partition, so replays of a stage are one sequence.
    created += await ensure_topics(settings.kafka_bootstrap, [REPLAY_LOG], 1, replication)
    return [f"created topics {', '.join(created)}"] if created else []


def _storage(settings: Settings) -> list[str]:
    parsed = urlparse(settings.storage_url)
    if parsed.scheme != "s3":
        return []
    from botocore.exceptions import BotoCoreError, ClientError

    from streams.adapters.storage import S3Storage
    from streams.errors import StorageError

    storage = S3Storage(parsed.netloc, parsed.path, settings)
    try:
        storage.client.head_bucket(Bucket=storage.bucket)
        return []
    except ClientError:
        pass  # missing, or not ours to see: creating it says which
    except BotoCoreError as exc:
        raise StorageError(f"storage: cannot reach {settings.s3_endpoint_url or 'S3'} ({exc})") from None
    storage.ensure_bucket()
    return [f"created bucket {storage.bucket}"]
