"""Tenants and their API keys.

A key reads ``csk_<key_id>_<secret>``: ``key_id`` (12 hex digits) is public, so a key can be shown
by its prefix ``csk_<key_id>`` and revoked by it; the whole key is shown once, when it is made, and
only its SHA-256 is stored (the secret is 256 random bits, so a slow hash adds nothing). Scopes
nest: ``admin`` can do what ``write`` can, ``write`` what ``read`` can.

Every write goes through :func:`streams.adapters.db.tenant_connection`, so it passes the tenant
policies on the application role as well as on the owner role.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

import asyncpg

from streams.adapters.db import tenant_connection
from streams.domain.envelope import iso_z
from streams.errors import ClipstreamError, InvalidScope, TenantNotFound
from streams.people.store import SessionRow

SCOPES = ("read", "write", "admin")
KEY_PREFIX = "csk_"
_KEY_RE = re.compile(r"csk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant and the key (by id) with its scope; for a person signed in on
    the web page, ``key_id`` is their user id, ``scope`` their role's and ``session`` the session."""

    tenant_id: str
    key_id: str
    scope: str
    session: SessionRow | None = None

    def allows(self, needed: str) -> bool:
        return SCOPES.index(self.scope) >= SCOPES.index(needed)


@dataclass(frozen=True)
class Tenant:
    """A tenant: its id, its name, when it was made."""

    tenant_id: str
    name: str
    created_at: datetime

    def as_json(self) -> dict:
        return {"tenant_id": self.tenant_id, "name": self.name, "created_at": iso_z(self.created_at)}


@dataclass(frozen=True)
class ApiKey:
    """A key as listed (never its secret): its public id, scope, name, when it was made and revoked,
    and the member it belongs to (None: the workspace's own, for a service)."""

    key_id: str
    scope: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    user_id: str | None = None
    last_used_at: datetime | None = None
    created_by: str = ""

    @property
    def prefix(self) -> str:
        return f"{KEY_PREFIX}{self.key_id}"

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> ApiKey:
        return cls(
            row["key_id"],
            row["scope"],
            row["name"],
            row["created_at"],
            row["revoked_at"],
            row.get("user_id"),
            row.get("last_used_at"),
            row.get("created_by") or "",
        )

    def as_json(self) -> dict:
        return {
            "key_id": self.key_id,
            "prefix": self.prefix,
            "scope": self.scope,
            "name": self.name,
            "created_at": iso_z(self.created_at),
            "revoked_at": iso_z(self.revoked_at),
            "user_id": self.user_id,
            "last_used_at": iso_z(self.last_used_at),
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class IssuedKey:
    """A key as shown once, on creation."""

    key: str
    key_id: str
    prefix: str
    tenant_id: str
    scope: str
    name: str
    created_at: str

    def as_json(self) -> dict:
        return asdict(self)


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InvalidScope(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    return scope


def new_key() -> tuple[str, str]:
    """(key_id, whole key)."""
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    """The key's public id, or None if ``key`` is not shaped like one of ours."""
    match = _KEY_RE.fullmatch(key)
    return match.group(1) if match else None


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def new_tenant_id() -> str:
    return f"ten_{uuid.uuid4().hex[:16]}"


async def create_tenant(pool: asyncpg.Pool, name: str) -> tuple[Tenant, IssuedKey]:
    """A new tenant and its first admin key."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ClipstreamError("a tenant name is 1 to 200 characters")
    tenant_id = new_tenant_id()
    async with tenant_connection(pool, tenant_id) as conn:
        row = await conn.fetchrow(
            "INSERT INTO tenants (tenant_id, name) VALUES ($1, $2) RETURNING tenant_id, name, created_at",
            tenant_id,
            name,
        )
        issued = await _insert_key(conn, tenant_id, "admin", "first admin key")
    return Tenant(row["tenant_id"], row["name"], row["created_at"]), issued


async def create_key(
    pool: asyncpg.Pool,
    tenant_id: str,
    scope: str,
    name: str = "",
    user_id: str | None = None,
    created_by: str = "operator",
) -> IssuedKey:
    """A new key of the tenant; with ``user_id``, the member's own: it stops working when they
    leave, and never does more than their role allows. ``created_by`` says who made it
    (``user:<id>``, ``key:<key id>`` or ``operator``)."""
    check_scope(scope)
    async with tenant_connection(pool, tenant_id) as conn:
        if not await conn.fetchval("SELECT 1 FROM tenants WHERE tenant_id = $1", tenant_id):
            raise TenantNotFound(f"no tenant with id {tenant_id!r}")
        return await _insert_key(conn, tenant_id, scope, name, user_id, created_by)


async def _insert_key(
    conn: asyncpg.Connection,
    tenant_id: str,
    scope: str,
    name: str,
    user_id: str | None = None,
    created_by: str = "operator",
) -> IssuedKey:
    key_id, key = new_key()
    created = await conn.fetchval(
        "INSERT INTO api_keys (key_id, tenant_id, secret_hash, scope, name, user_id, created_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at",
        key_id,
        tenant_id,
        hash_key(key),
        scope,
        name[:200],
        user_id,
        created_by,
    )
    return IssuedKey(
        key=key,
        key_id=key_id,
        prefix=f"{KEY_PREFIX}{key_id}",
        tenant_id=tenant_id,
        scope=scope,
        name=name[:200],
        created_at=iso_z(created),
    )


async def list_keys(pool: asyncpg.Pool, tenant_id: str) -> list[ApiKey]:
    async with tenant_connection(pool, tenant_id) as conn:
        rows = await conn.fetch("SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, key_id", tenant_id)
    return [ApiKey.from_row(r) for r in rows]


async def revoke_key(pool: asyncpg.Pool, tenant_id: str, key_id: str) -> ApiKey | None:
    """Revoke a key of the tenant (idempotent); None if the tenant has no such key."""
    async with tenant_connection(pool, tenant_id) as conn:
        row = await conn.fetchrow(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE key_id = $1 AND tenant_id = $2"
            " RETURNING *",
            key_id,
            tenant_id,
        )
    return ApiKey.from_row(row) if row else None


async def authenticate(pool: asyncpg.Pool, key: str) -> Principal | None:
    """The principal a presented key stands for, or None (unknown, malformed or revoked)."""
    key_id = key_id_of(key)
    if key_id is None:
        return None
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM authenticate_key($1)", key_id)
    if row is None or not hmac.compare_digest(bytes(row["secret_hash"]), hash_key(key)):
        return None
    async with tenant_connection(pool, row["tenant_id"]) as conn:  # its last use, to the minute
        await conn.execute(
            "UPDATE api_keys SET last_used_at = now() WHERE key_id = $1"
            " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
            key_id,
        )
    return Principal(tenant_id=row["tenant_id"], key_id=key_id, scope=row["scope"])


async def key_active(pool: asyncpg.Pool, tenant_id: str, key_id: str) -> bool:
    """Whether the tenant's key exists and is not revoked (for links signed under it); for a link
    signed for a person (their user id), whether they are still a member."""
    async with tenant_connection(pool, tenant_id) as conn:
        if key_id.startswith("usr_"):
            return bool(
                await conn.fetchval(
                    "SELECT 1 FROM memberships WHERE user_id = $1 AND tenant_id = $2", key_id, tenant_id
                )
            )
        return bool(
            await conn.fetchval(
                "SELECT 1 FROM api_keys WHERE key_id = $1 AND tenant_id = $2 AND revoked_at IS NULL", key_id, tenant_id
            )
        )
