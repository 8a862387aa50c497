"""Meilisearch, run by the local stack when a server binary is given.

Meilisearch publishes no package in the registries this project installs from, so the stack does
not fetch one: it runs the binary named by ``CLIPSTREAM_MEILISEARCH_BIN``, else ``meilisearch`` on
PATH, and without either the library search stays on the embedded index. The server keeps its
database under the data directory, listens on 127.0.0.1 only and runs in production mode with a
master key the stack generates the first time and keeps with the stack's credentials
(``streams.stack.credentials``). Once it is ready the stack makes sure an admin-scoped API key exists
for the application (a fixed uid, so every ``up`` finds the same key) and saves it beside the
master key; ``connect`` hands the API and the worker its URL and that key.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import subprocess
import urllib.request
from functools import cached_property
from pathlib import Path

from streams.errors import ComponentFailed, MissingDependency
from streams.settings import Settings
from streams.stack import credentials
from streams.stack.component import Component, Say
from streams.stack.process import ProcessSpec

MASTER_KEY_FIELD = "meilisearch_master_key"
APP_KEY_FIELD = "meilisearch_key"
# Fixed, so every `up` finds the same key; a version-4 UUID, because the meilisearch client signs
# tenant tokens only with a key whose uid is one (a uuid5 is refused before any request).
APP_KEY_UID = "e8dc5acc-336c-4f79-be27-f9385a27f02c"
APP_KEY = {
    "uid": APP_KEY_UID,
    "name": "clipstream",
    "description": "the clipstream API and worker (made by clipstream stack)",
    "actions": ["*"],
    "indexes": ["*"],
    "expiresAt": None,
}
INSTALL_HINT = (
    "set CLIPSTREAM_MEILISEARCH_BIN to a Meilisearch server binary (or put `meilisearch` on PATH); "
    "without one, leave CLIPSTREAM_SEARCH_BACKEND at auto and the embedded index is used"
)


def binary(settings: Settings) -> str | None:
    """The server binary the stack runs: the configured one (even if missing: starting names it),
    else ``meilisearch`` on PATH, else None."""
    return settings.meilisearch_bin or shutil.which("meilisearch")


def wanted(settings: Settings) -> bool:
    """Whether the stack runs a Meilisearch: not when the embedded index is asked for or another
    server is configured; yes when a binary is given or Meilisearch is asked for (so that `up`
    says what is missing); and always while one this stack started is still running (so `down`
    stops it after the binary is taken away)."""
    if Meilisearch(settings).running():
        return True
    if settings.search_backend == "embedded" or settings.meilisearch_url:
        return False
    return settings.search_backend == "meilisearch" or binary(settings) is not None


def connect(settings: Settings) -> Settings:
    """``settings`` pointed at the stack's Meilisearch when the stack runs one and nothing else is
    configured: the URL and the application's saved key. Unchanged otherwise."""
    meili = Meilisearch(settings)
    if settings.search_backend == "embedded" or settings.meilisearch_url or not meili.running():
        return settings
    key = credentials.saved(settings, APP_KEY_FIELD)
    if not key:
        raise ComponentFailed(
            meili.name,
            f"running, but no application key is saved in "
            f"{credentials.credentials_path(settings)}: run clipstream stack up",
        )
    # replace, not with_overrides: that recomputes derived addresses, and a caller may have set one
    # (an S3 storage URL, another Triton) that must survive
    return dataclasses.replace(settings, meilisearch_url=meili.url(), meilisearch_key=key)


class Meilisearch(Component):
    name = "meilisearch"
    ready_timeout = 60.0

    def ports(self) -> list[int]:
        return [self.settings.meilisearch_port]

    @cached_property
    def program(self) -> str:
        found = binary(self.settings)
        if not found:
            raise MissingDependency(self.name, f"no Meilisearch server binary: {INSTALL_HINT}")
        if not (Path(found).is_file() and os.access(found, os.X_OK)):
            raise MissingDependency(self.name, f"CLIPSTREAM_MEILISEARCH_BIN={found!r} is not an executable file")
        return found

    def install(self, say: Say) -> None:
        self.program  # noqa: B018 - resolving it is the check

    def master_key(self) -> str:
        key = credentials.saved(self.settings, MASTER_KEY_FIELD)
        if not key:
            raise ComponentFailed(
                self.name,
                f"no master key saved in {credentials.credentials_path(self.settings)}; run clipstream stack up",
            )
        return key

    def prepare(self, say: Say) -> None:
        if not credentials.saved(self.settings, MASTER_KEY_FIELD):
            credentials.save(self.settings, **{MASTER_KEY_FIELD: secrets.token_urlsafe(32)})
            say(f"{self.name}: generated a master key; it is in {credentials.credentials_path(self.settings)}")
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def spec(self) -> ProcessSpec:
        address = f"127.0.0.1:{self.settings.meilisearch_port}"
        argv = [
            self.program,
            "--db-path",
            str(self.data_dir / "data.ms"),
            "--http-addr",
            address,
            "--env",
            "production",
            "--no-analytics",
            "--dump-dir",
            str(self.data_dir / "dumps"),
            "--snapshot-dir",
            str(self.data_dir / "snapshots"),
        ]
        # the key goes in the environment, not the command line other users can read
        env = {"MEILI_MASTER_KEY": self.master_key()}
        return ProcessSpec(argv=argv, log_path=self.log_path, env=env, cwd=self.data_dir, marker=address)

    def probe(self) -> bool:
        with urllib.request.urlopen(f"{self.url()}/health", timeout=2) as answer:
            return answer.status == 200

    def after_ready(self, say: Say) -> None:
        """Make the application's API key unless it exists, and save it (idempotent)."""
        import meilisearch
        from meilisearch.errors import MeilisearchApiError

        client = meilisearch.Client(self.url(), self.master_key(), timeout=10)
        try:
            try:
                key = client.get_key(APP_KEY_UID).key
            except MeilisearchApiError as exc:
                if exc.code != "api_key_not_found":
                    raise
                key = client.create_key(APP_KEY).key
                say(f"{self.name}: made the application's API key (uid {APP_KEY_UID})")
        except Exception as exc:
            raise ComponentFailed(
                self.name, f"could not read or make the application's API key with the saved master key: {exc}"
            ) from exc
        if credentials.saved(self.settings, APP_KEY_FIELD) != key:
            credentials.save(self.settings, **{APP_KEY_FIELD: key})

    def version(self) -> str:
        try:
            out = subprocess.run([self.program, "--version"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError, MissingDependency):
            return ""
        return out.strip().removeprefix("meilisearch").strip()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.meilisearch_port}"
