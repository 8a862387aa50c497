"""PostgreSQL: its own cluster (initdb) in the data directory, on its own port, loopback only.

initdb and postgres refuse to run as root, so as root the cluster belongs to the ``postgres``
system user (Debian's package creates it). Local connections on 127.0.0.1 are trusted: this
cluster never listens anywhere else. The project's migrations (``schemas/postgres``) are applied
on every `up`; already-applied ones are skipped.
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

from streams.errors import ComponentFailed, MissingDependency
from streams.stack.component import Component, Say
from streams.stack.process import ProcessSpec

INSTALL_HINT = "apt-get install -y postgresql"
EXTERNAL_HOME = Path("/var/lib/clipstream/postgres")


class Postgres(Component):
    name = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: roll back open transactions, do not wait for clients

    def ports(self) -> list[int]:
        return [self.settings.postgres_port]

    @property
    def home(self) -> Path:
        """Where the cluster and its socket live: the data dir, unless the ``postgres`` user
        cannot reach it (a checkout under /root, say); then a fixed place derived from it."""
        if not self.run_as() or _traversable(self.data_dir):
            return self.data_dir
        digest = hashlib.sha1(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        return EXTERNAL_HOME / digest

    @property
    def cluster_dir(self) -> Path:
        return self.home / "data"

    def remove_data(self) -> None:
        """Delete the cluster for good (tests and benchmarks clean up with this)."""
        shutil.rmtree(self.home, ignore_errors=True)

    def bindir(self) -> Path:
        if self.settings.pg_bindir:
            candidates = [self.settings.pg_bindir]
        else:
            candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
            found = shutil.which("initdb")
            if found:
                candidates.append(str(Path(found).resolve().parent))
        for c in candidates:
            if (Path(c) / "initdb").exists() and (Path(c) / "postgres").exists():
                return Path(c)
        raise MissingDependency(
            self.name, f"PostgreSQL server binaries (initdb, postgres) not found; install them: {INSTALL_HINT}"
        )

    def run_as(self) -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise MissingDependency(
                self.name,
                f"running as root needs the 'postgres' system user; install the server package: {INSTALL_HINT}",
            ) from None
        return "postgres"

    def install(self, say: Say) -> None:
        self.bindir()
        self.run_as()

    def _chown(self, path: Path) -> None:
        user = self.run_as()
        if user:
            entry = pwd.getpwnam(user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def prepare(self, say: Say) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        self._chown(self.home)
        if self.home != self.data_dir:
            link = self.data_dir / "data"
            if not link.is_symlink():
                link.symlink_to(self.cluster_dir)
        if (self.cluster_dir / "PG_VERSION").exists():
            return
        user = self.run_as()
        say(f"{self.name}: initialising a new cluster in {self.cluster_dir}")
        result = subprocess.run(
            [
                str(self.bindir() / "initdb"),
                "-D",
                str(self.cluster_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            capture_output=True,
            text=True,
            user=user,
        )
        if result.returncode != 0:
            raise ComponentFailed(self.name, f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")

    def on_stale(self) -> None:
        # The postmaster we started is gone; its lock file would block the next start if its pid
        # has since been reused by another process.
        (self.cluster_dir / "postmaster.pid").unlink(missing_ok=True)

    def spec(self) -> ProcessSpec:
        sockets = self.home
        argv = [
            str(self.bindir() / "postgres"),
            "-D",
            str(self.cluster_dir),
            "-p",
            str(self.settings.postgres_port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={sockets}",
            "-c",
            "max_connections=200",
            "-c",
            "shared_buffers=128MB",
            "-c",
            "fsync=on",
        ]
        return ProcessSpec(argv=argv, log_path=self.log_path, user=self.run_as(), marker=str(self.cluster_dir))

    def superuser_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.settings.postgres_port}/postgres"

    def probe(self) -> bool:
        return asyncio.run(_can_query(self.superuser_dsn()))

    def after_ready(self, say: Say) -> None:
        from streams.adapters.db import apply_migrations, ensure_database

        created = asyncio.run(ensure_database(self.superuser_dsn(), "clipstream", "clipstream"))
        if created:
            say(f"{self.name}: created role and database 'clipstream'")
        applied = asyncio.run(apply_migrations(self.settings.postgres_dsn))
        if applied:
            say(f"{self.name}: applied migrations {', '.join(applied)}")
        from streams.stack.credentials import credentials_path, ensure_local_person, ensure_local_tenant

        if ensure_local_tenant(self.settings):
            say(f"{self.name}: made the 'local' tenant; its admin key is in {credentials_path(self.settings)}")
        person = ensure_local_person(self.settings)
        if person is not None:
            say(
                f"{self.name}: made {person[0]}, who signs in on the web page; the password is in {credentials_path(self.settings)}"
            )

    def version(self) -> str:
        try:
            out = subprocess.run([str(self.bindir() / "postgres"), "--version"], capture_output=True, text=True)
            return out.stdout.split()[2]
        except (OSError, MissingDependency):
            return ""


def _traversable(path: Path) -> bool:
    """Every existing ancestor of ``path`` lets other users through (o+x)."""
    for parent in [path, *path.parents]:
        if parent.exists() and not os.stat(parent).st_mode & 0o001:
            return False
    return True


async def _can_query(dsn: str) -> bool:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=2)
    try:
        return await conn.fetchval("SELECT 1") == 1
    finally:
        await conn.close()
