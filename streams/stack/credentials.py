"""The local stack's own tenant and the key the CLI uses.

``clipstream stack up`` makes a tenant named ``local`` with an admin key the first time PostgreSQL
is ready and keeps the key in ``<data_dir>/credentials.json`` (mode 0600), so ``clipstream
process`` works on a fresh machine. ``CLIPSTREAM_API_KEY`` overrides it: that is how the CLI runs
as any other tenant (make one with ``clipstream tenants create``). The stack's Meilisearch, when it
runs one, keeps its master key and the application's API key in the same file
(``streams.stack.meilisearch``).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path

from streams.errors import ConfigError
from streams.settings import Settings

LOCAL_TENANT_NAME = "local"
# `stack up` starts components in threads; two of them may save at once
_SAVING = threading.Lock()


def credentials_path(settings: Settings) -> Path:
    return settings.data_dir / "credentials.json"


def _saved_all(settings: Settings) -> dict:
    try:
        data = json.loads(credentials_path(settings).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def saved(settings: Settings, field: str) -> str | None:
    """One field of the saved credentials, or None if there are none."""
    value = _saved_all(settings).get(field)
    return value if isinstance(value, str) and value else None


def save(settings: Settings, **fields: str) -> None:
    """Add or replace ``fields`` in the saved credentials (the others stay), written whole
    through a private temporary file so the file is never readable by others or half written."""
    path = credentials_path(settings)
    with _SAVING:
        merged = {**_saved_all(settings), **fields}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(merged, f, indent=2)
        os.replace(tmp, path)


def api_key_for(settings: Settings) -> str:
    """The key the CLI sends: ``CLIPSTREAM_API_KEY``, else the local stack's saved key."""
    key = settings.api_key or saved(settings, "api_key")
    if not key:
        raise ConfigError(
            f"no API key: set CLIPSTREAM_API_KEY, or start the local stack (clipstream stack up), which saves "
            f"one in {credentials_path(settings)}"
        )
    return key


def local_tenant_id(settings: Settings) -> str:
    """The tenant id saved with the local stack's key."""
    tenant_id = saved(settings, "tenant_id")
    if not tenant_id:
        raise ConfigError(f"no local tenant saved in {credentials_path(settings)}: run clipstream stack up")
    return tenant_id


def ensure_local_tenant(settings: Settings) -> bool:
    """Make the ``local`` tenant and save its key unless a saved key still works. True if made."""
    return asyncio.run(_ensure(settings))


async def _ensure(settings: Settings) -> bool:
    from streams import tenancy
    from streams.adapters.db import create_pool

    pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
    try:
        known = saved(settings, "api_key")
        if known and await tenancy.authenticate(pool, known) is not None:
            return False
        tenant, key = await tenancy.create_tenant(pool, LOCAL_TENANT_NAME)
    finally:
        await pool.close()
    save(settings, tenant_id=tenant.tenant_id, api_key=key.key, key_id=key.key_id)
    return True


LOCAL_PERSON_EMAIL = "local@localhost"


def ensure_local_person(settings: Settings) -> tuple[str, str] | None:
    """Make the person who signs in to the local stack's web page (the ``local`` tenant's owner)
    unless one is saved: their email and password, made now (None when one was already)."""
    return asyncio.run(_ensure_person(settings))


async def _ensure_person(settings: Settings) -> tuple[str, str] | None:
    import secrets

    from streams.adapters.db import create_pool
    from streams.people import passwords, store

    tenant_id = saved(settings, "tenant_id")
    if not tenant_id or saved(settings, "web_email"):
        return None
    password = secrets.token_urlsafe(12)
    hashed = await asyncio.to_thread(passwords.hash_password, password)
    pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn, conn.transaction():
            person = await store.user_by_email(conn, LOCAL_PERSON_EMAIL)
            if person is None:
                person = await store.create_user(conn, LOCAL_PERSON_EMAIL, "Local owner", hashed)
            else:  # made before its password was saved (a stack reset): a new one
                await conn.execute("UPDATE users SET password_hash = $2 WHERE user_id = $1", person.user_id, hashed)
            await store.add_member(conn, tenant_id, person.user_id, "owner")
    finally:
        await pool.close()
    save(settings, web_email=LOCAL_PERSON_EMAIL, web_password=password)
    return LOCAL_PERSON_EMAIL, password


def sign_in_line(settings: Settings) -> str:
    """Where and as whom a person signs in to the local stack's web page."""
    email, password = saved(settings, "web_email"), saved(settings, "web_password")
    if not email or not password:
        raise ConfigError(f"no local person saved in {credentials_path(settings)}: run clipstream stack up")
    return f"web page: {settings.api_url}/  sign in as {email} with the password {password}"


if __name__ == "__main__":  # python -m streams.stack.credentials sign-in (scripts/quickstart.sh's last line)
    import sys

    if sys.argv[1:] != ["sign-in"]:
        sys.exit("usage: python -m streams.stack.credentials sign-in")
    try:
        print(sign_in_line(Settings.from_env()))
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
