"""Ory Hydra: the OpenID provider the local stack and the tests sign people in through.

A team signs in to clipstream with its company's identity provider (``oidc_issuer``); locally and
in the tests that provider is a real OpenID Connect server, Ory Hydra, with a people directory
(``streams.stack.directory``) as its login and consent app, as Hydra is deployed in front of any
user store. Hydra is built once from the Go module proxy, at the version ``deploy/hydra/go.mod``
pins (its module is a program with replace directives, which ``go install pkg@version`` refuses,
so it is built inside that module, whose ``replace`` line repeats Hydra's own), into the cache like
MinIO (``streams.stack.golang``). It keeps its data in a ``hydra`` database of the stack's
PostgreSQL, migrated on every ``up``; its system secret and the client secret clipstream signs in
with are made the first time and kept with the stack's credentials. ``--dev`` lets it serve plain
HTTP on 127.0.0.1; nothing leaves the machine (``SQA_OPT_OUT``).

``settings.identity_provider`` turns it on for ``clipstream stack up``; ``connect`` then points
the API's single sign-on at it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import secrets
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from streams.errors import ComponentFailed
from streams.settings import Settings, project_root
from streams.stack import credentials, golang
from streams.stack.component import Component, Say
from streams.stack.process import ProcessSpec

MODULE = "github.com/ory/hydra/v2"
VERSION = "v2.3.0"
CLIENT_ID = "clipstream"
SECRET_FIELD = "hydra_system_secret"
CLIENT_SECRET_FIELD = "oidc_client_secret"
DATABASE = "hydra"


def build_module() -> Path:
    """The Go module Hydra is built in (its go.mod and go.sum pin every dependency)."""
    return project_root() / "deploy" / "hydra"


def issuer(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.hydra_public_port}/"


def client_secret(settings: Settings) -> str:
    """The secret clipstream's client has at the local Hydra: made once, kept with the credentials."""
    secret = credentials.saved(settings, CLIENT_SECRET_FIELD)
    if not secret:
        secret = secrets.token_urlsafe(32)
        credentials.save(settings, **{CLIENT_SECRET_FIELD: secret})
    return secret


def connect(settings: Settings) -> Settings:
    """``settings`` with single sign-on through the local Hydra, when the stack runs one and no
    other provider is configured; unchanged otherwise."""
    if settings.oidc_issuer or not (settings.identity_provider or Hydra(settings).running()):
        return settings
    return dataclasses.replace(
        settings,
        oidc_issuer=issuer(settings),
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=client_secret(settings),
        oidc_name="the local directory",
    )


def redirect_uri(settings: Settings) -> str:
    base = (settings.public_url or settings.api_url).rstrip("/")
    return f"{base}/v1/sign-on/callback"


class Hydra(Component):
    name = "hydra"
    ready_timeout = 60.0

    def ports(self) -> list[int]:
        return [self.settings.hydra_public_port, self.settings.hydra_admin_port]

    def port_setting(self) -> str:
        return "CLIPSTREAM_HYDRA_PUBLIC_PORT / CLIPSTREAM_HYDRA_ADMIN_PORT"

    @property
    def binary(self) -> Path:
        return self.settings.cache_dir / f"hydra-{VERSION}" / "hydra"

    def install(self, say: Say) -> None:
        golang.build(
            self.name,
            self.binary,
            ["build", "-trimpath", "-ldflags", "-s -w", "-o", str(self.binary), MODULE],
            cache_dir=self.settings.cache_dir,
            say=say,
            what=f"Hydra ({MODULE}@{VERSION})",
            took="about two minutes",
            cwd=build_module(),
        )

    def dsn(self) -> str:
        return f"postgres://{DATABASE}@127.0.0.1:{self.settings.postgres_port}/{DATABASE}?sslmode=disable"

    def environment(self) -> dict[str, str]:
        s = self.settings
        login = f"http://127.0.0.1:{s.directory_port}"
        return {
            "DSN": self.dsn(),
            "SECRETS_SYSTEM": credentials.saved(s, SECRET_FIELD) or "",
            "URLS_SELF_ISSUER": issuer(s),
            "URLS_LOGIN": f"{login}/login",
            "URLS_CONSENT": f"{login}/consent",
            "URLS_ERROR": f"{login}/error",
            "SERVE_PUBLIC_HOST": "127.0.0.1",
            "SERVE_PUBLIC_PORT": str(s.hydra_public_port),
            "SERVE_ADMIN_HOST": "127.0.0.1",
            "SERVE_ADMIN_PORT": str(s.hydra_admin_port),
            "SQA_OPT_OUT": "true",
            "LOG_LEVEL": "info",
            "HOME": str(self.data_dir),
        }

    def prepare(self, say: Say) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not credentials.saved(self.settings, SECRET_FIELD):
            credentials.save(self.settings, **{SECRET_FIELD: secrets.token_urlsafe(32)})
        if asyncio.run(_ensure_database(self.settings.postgres_port)):
            say(f"{self.name}: created role and database '{DATABASE}' in the stack's PostgreSQL")
        result = subprocess.run(
            [str(self.binary), "migrate", "sql", "up", "--read-from-env", "--yes"],
            env={**os.environ, **self.environment()},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise ComponentFailed(self.name, f"could not migrate its database: {result.stderr.strip()[-300:]}")

    def spec(self) -> ProcessSpec:
        argv = [str(self.binary), "serve", "all", "--dev", "--sqa-opt-out"]
        return ProcessSpec(
            argv=argv,
            log_path=self.log_path,
            env=self.environment(),
            cwd=self.data_dir,
            marker=f"{self.binary} serve all",
        )

    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.hydra_admin_port}"

    def probe(self) -> bool:
        with urllib.request.urlopen(f"{self.admin_url()}/health/ready", timeout=2) as answer:
            return answer.status == 200

    def after_ready(self, say: Say) -> None:
        """Register clipstream's client (idempotent: the same id, secret and redirect URI every time)."""
        client = {
            "client_id": CLIENT_ID,
            "client_name": "clipstream",
            "client_secret": client_secret(self.settings),
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "scope": "openid email profile",
            "redirect_uris": [redirect_uri(self.settings)],
            "token_endpoint_auth_method": "client_secret_basic",
        }
        try:
            try:
                self._admin("PUT", f"/admin/clients/{CLIENT_ID}", client)
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise
                self._admin("POST", "/admin/clients", client)
                say(f"{self.name}: registered the OAuth client '{CLIENT_ID}' (redirect {redirect_uri(self.settings)})")
        except (OSError, ValueError) as exc:
            raise ComponentFailed(self.name, f"could not register clipstream's client: {exc}") from exc

    def _admin(self, method: str, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.admin_url()}{path}",
            data=json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"{}")

    def version(self) -> str:
        return VERSION

    def url(self) -> str | None:
        return issuer(self.settings)


async def _ensure_database(postgres_port: int) -> bool:
    """Hydra's own role and database in the stack's PostgreSQL (trusted on 127.0.0.1). True if made."""
    from streams.adapters.db import ensure_database

    return await ensure_database(
        f"postgresql://postgres@127.0.0.1:{postgres_port}/postgres",
        DATABASE,
        DATABASE,
        app_role=None,
        owner_attributes="LOGIN",
    )
