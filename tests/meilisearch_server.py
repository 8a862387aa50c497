"""A real Meilisearch server for tests, started from a binary on a free port.

The binary is ``CLIPSTREAM_MEILISEARCH_BIN`` when set, else the copy shipped beside the project at
``../shared/tools/meilisearch/meilisearch`` (see its README.md). ``tests/conftest.py`` starts one
per session (fixture ``meilisearch``) unless ``CLIPSTREAM_MEILISEARCH_URL`` names a running server;
a test that has to stop and restart a server starts its own ``MeilisearchServer``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from streams.settings import project_root
from streams.stack.process import free_port, tail

SHIPPED_BINARY = project_root().parent / "shared" / "tools" / "meilisearch" / "meilisearch"


@dataclass(frozen=True)
class Meili:
    """Where a Meilisearch server answers, and its key (empty: a server without a master key)."""

    url: str
    key: str
    started: bool  # True: this test session started it (so its master key is enforced)


def meilisearch_binary() -> Path | None:
    """The server binary to run, or None when there is none (``CLIPSTREAM_MEILISEARCH_BIN`` set to
    a missing file is an error, not a skip)."""
    named = os.environ.get("CLIPSTREAM_MEILISEARCH_BIN", "")
    if named:
        path = Path(named)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise FileNotFoundError(f"CLIPSTREAM_MEILISEARCH_BIN={named!r} is not an executable file")
        return path
    return SHIPPED_BINARY if SHIPPED_BINARY.is_file() else None


class MeilisearchServer:
    """``binary`` serving ``db_path`` on 127.0.0.1:``port`` with a random master key. ``stop`` and
    ``start`` again keep the database, the port and the key (a restart)."""

    def __init__(self, binary: Path, workdir: Path, port: int | None = None, master_key: str | None = None) -> None:
        self.binary = binary
        self.workdir = workdir
        self.db_path = workdir / "data.ms"
        self.log_path = workdir / "meilisearch.log"
        self.port = port or free_port()
        self.master_key = master_key or secrets.token_hex(24)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def meili(self) -> Meili:
        return Meili(self.url, self.master_key, started=True)

    def start(self, timeout: float = 30.0) -> MeilisearchServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [str(self.binary), "--db-path", str(self.db_path), "--http-addr", f"127.0.0.1:{self.port}",
                   "--master-key", self.master_key, "--no-analytics", "--env", "development",
                   # the test machine is small: one indexing thread, a bounded amount of memory
                   "--max-indexing-threads", "1", "--max-indexing-memory", "256 MiB",
                   "--dump-dir", str(self.workdir / "dumps"), "--snapshot-dir", str(self.workdir / "snapshots")]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"meilisearch exited with {self.process.returncode} on start: {tail(self.log_path) or '(no log)'}")
            if self.healthy():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"meilisearch did not answer GET /health within {timeout:.0f} s: {tail(self.log_path) or '(no log)'}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=1) as answer:
                return answer.status == 200 and json.load(answer).get("status") == "available"
        except (OSError, ValueError):
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> MeilisearchServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
