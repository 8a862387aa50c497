"""The ClickHouse schema as ordered, recorded migrations: ``schemas/clickhouse/NNNN_name.sql``.

``migrate`` applies the files not yet recorded in ``schema_migrations``, in order, one statement
at a time, and records each file with its checksum once all its statements ran. Statements are
written ``IF NOT EXISTS``, so a file cut short by a crash, or applied by two processes at once,
runs again harmlessly. A recorded file whose text has since changed is refused: a schema change
is a new file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from streams.errors import ConfigError
from streams.settings import project_root

DIRECTORY = project_root() / "schemas" / "clickhouse"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

LEDGER = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, checksum String,"
    " applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version"
)


@dataclass(frozen=True)
class Migration:
    """Attributes:
    version: the file's number (its order).
    name: the file name.
    sql: the file's text.
    """

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def statements(self) -> list[str]:
        return split_statements(self.sql)


def load(directory: Path = DIRECTORY) -> list[Migration]:
    """Every migration in ``directory``, in order; a repeated number is a mistake."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise ConfigError(f"{path}: a ClickHouse migration is named NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise ConfigError(f"{path}: migration {version} is also {found[version].name}")
        found[version] = Migration(version, path.name, path.read_text())
    return [found[v] for v in sorted(found)]


def split_statements(sql: str) -> list[str]:
    """The statements of a script: split at ``;`` and stripped of ``--`` comments, both outside
    quoted strings."""
    statements, current, quote, i = [], [], "", 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            current.append(ch)
            if ch == "\\" and i + 1 < len(sql):
                current.append(sql[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'`\"":
            quote = ch
            current.append(ch)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif ch == ";":
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    statements.append("".join(current).strip())
    return [s for s in statements if s]


def applied(client) -> dict[int, str]:
    """Recorded migrations: version to checksum."""
    client.command(LEDGER)
    rows = client.query("SELECT version, argMax(checksum, applied_at) FROM schema_migrations GROUP BY version")
    return {int(v): c for v, c in rows.result_rows}


def migrate(client, directory: Path = DIRECTORY) -> list[str]:
    """Apply what is not applied yet; the names applied now."""
    done = applied(client)
    ran = []
    for migration in load(directory):
        if migration.version in done:
            if done[migration.version] != migration.checksum:
                raise ConfigError(
                    f"ClickHouse migration {migration.name} changed after it was applied; put the change in a "
                    f"new migration file (or, for a local stack, remove the ClickHouse data directory)"
                )
            continue
        for statement in migration.statements:
            client.command(statement)
        client.insert(
            "schema_migrations",
            [[migration.version, migration.name, migration.checksum]],
            column_names=["version", "name", "checksum"],
        )
        ran.append(migration.name)
    return ran
