"""Users, memberships, sessions and reset links in PostgreSQL (``schemas/postgres/0019``).

Signing in and reading a session run before any tenant is known, so they go through the
migration's SECURITY DEFINER functions, which return one user's or one session's row and nothing
else; making users and reset links is the operator's (the owner role: ``clipstream users``).
Tokens (session cookies, reset links) are 256 random bits, kept only as their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from streams.domain.envelope import iso_z
from streams.people.roles import check_role

SESSION_PREFIX = "cses_"
RESET_PREFIX = "crst_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def normal_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    display_name: str

    def as_json(self) -> dict:
        return {"user_id": self.user_id, "email": self.email, "display_name": self.display_name}


@dataclass(frozen=True)
class Workspace:
    tenant_id: str
    name: str
    role: str

    def as_json(self) -> dict:
        return {"tenant_id": self.tenant_id, "name": self.name, "role": self.role}


@dataclass(frozen=True)
class SessionRow:
    """A live session: whose, in which workspace, the member's role now, its CSRF token, its end."""

    user_id: str
    tenant_id: str
    role: str
    csrf_token: str
    expires_at: datetime

    def as_json(self) -> dict:
        return {
            "tenant_id": self.tenant_id,
            "role": self.role,
            "csrf_token": self.csrf_token,
            "expires_at": iso_z(self.expires_at),
        }


@dataclass(frozen=True)
class SignInRow:
    user_id: str | None
    password_hash: str | None
    display_name: str
    failures: int


# -- the operator's (owner role) -----------------------------------------------------------------
async def create_user(conn: asyncpg.Connection, email: str, display_name: str, password_hash: str | None) -> User:
    row = await conn.fetchrow(
        "INSERT INTO users (user_id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)"
        " RETURNING user_id, email, display_name",
        f"usr_{uuid.uuid4().hex}",
        normal_email(email),
        display_name.strip(),
        password_hash,
    )
    return User(**dict(row))


async def user_by_email(conn: asyncpg.Connection, email: str) -> User | None:
    row = await conn.fetchrow("SELECT user_id, email, display_name FROM users WHERE email = $1", normal_email(email))
    return None if row is None else User(**dict(row))


async def add_member(conn: asyncpg.Connection, tenant_id: str, user_id: str, role: str) -> None:
    """``user_id`` a member of the workspace with ``role`` (the role replaced if already one)."""
    await conn.execute(
        "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)"
        " ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role",
        tenant_id,
        user_id,
        check_role(role),
    )


async def remove_member(conn: asyncpg.Connection, tenant_id: str, user_id: str) -> bool:
    """The member leaves: their sessions in the workspace end, and their keys there stop working."""
    done = await conn.execute("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2", tenant_id, user_id)
    await conn.execute(
        "UPDATE sessions SET ended_at = now() WHERE tenant_id = $1 AND user_id = $2 AND ended_at IS NULL",
        tenant_id,
        user_id,
    )
    return done == "DELETE 1"


async def new_reset_link(conn: asyncpg.Connection, user_id: str, seconds: float) -> str:
    """A one-time password reset token for ``user_id``, good for ``seconds``."""
    token = new_token(RESET_PREFIX)
    await conn.execute(
        "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))",
        digest(token),
        user_id,
        float(seconds),
    )
    return token


# -- the API's (through the definer functions) ---------------------------------------------------
async def sign_in_row(conn: asyncpg.Connection, email: str, window_seconds: float) -> SignInRow:
    row = await conn.fetchrow("SELECT * FROM sign_in_user($1, $2)", normal_email(email), float(window_seconds))
    return SignInRow(row["user_id"], row["password_hash"], row["display_name"] or "", int(row["failures"]))


async def record_failure(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute("SELECT record_sign_in_failure($1)", normal_email(email))


async def clear_failures(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute("SELECT clear_sign_in_failures($1)", normal_email(email))


async def workspaces(conn: asyncpg.Connection, user_id: str) -> list[Workspace]:
    return [Workspace(**dict(r)) for r in await conn.fetch("SELECT * FROM user_workspaces($1)", user_id)]


async def open_session(
    conn: asyncpg.Connection, user_id: str, tenant_id: str, idle_seconds: float, absolute_seconds: float
) -> tuple[str, str, datetime] | None:
    """A new session of a member (its cookie token, CSRF token and end); None if not a member."""
    token, csrf = new_token(SESSION_PREFIX), secrets.token_urlsafe(32)
    ends = await conn.fetchval(
        "SELECT open_session($1, $2, $3, $4, $5, $6)",
        digest(token),
        user_id,
        tenant_id,
        csrf,
        float(idle_seconds),
        float(absolute_seconds),
    )
    return None if ends is None else (token, csrf, ends)


async def session(conn: asyncpg.Connection, token: str) -> SessionRow | None:
    if not token.startswith(SESSION_PREFIX):
        return None
    row = await conn.fetchrow("SELECT * FROM session_principal($1)", digest(token))
    return None if row is None else SessionRow(**dict(row))


async def end_session(conn: asyncpg.Connection, token: str) -> bool:
    return bool(await conn.fetchval("SELECT end_session($1)", digest(token)))


async def use_reset_link(conn: asyncpg.Connection, token: str, password_hash: str) -> str | None:
    """The user whose password the link set (once, while fresh; their sessions ended); else None."""
    if not token.startswith(RESET_PREFIX):
        return None
    return await conn.fetchval("SELECT use_password_reset($1, $2)", digest(token), password_hash)


async def profile(conn: asyncpg.Connection, user_id: str) -> User | None:
    row = await conn.fetchrow("SELECT * FROM sign_on_profile($1)", user_id)
    return None if row is None else User(user_id, row["email"], row["display_name"])


# -- single sign-on (schemas/postgres/0023) -------------------------------------------------------
async def begin_sign_on(conn: asyncpg.Connection, state: str, nonce: str, verifier: str, seconds: float) -> None:
    await conn.execute("SELECT begin_sign_on($1, $2, $3, $4)", digest(state), nonce, verifier, float(seconds))


async def take_sign_on(conn: asyncpg.Connection, state: str) -> tuple[str, str] | None:
    """The nonce and PKCE verifier of the sign-in ``state`` names: once, while fresh; else None."""
    row = await conn.fetchrow("SELECT * FROM take_sign_on($1)", digest(state))
    return None if row is None else (row["nonce"], row["code_verifier"])


async def sign_on_user(
    conn: asyncpg.Connection, issuer: str, subject: str, verified_email: str | None, display_name: str
) -> str | None:
    """The user an identity proves (matched by its verified email the first time, or made from
    waiting invitations); None when the person is not known here."""
    email = normal_email(verified_email) if verified_email else None
    return await conn.fetchval("SELECT sign_on_user($1, $2, $3, $4)", issuer, subject, email, display_name)


# -- members and invitations (a workspace's own: under its tenant connection) -------------------
INVITATION_PREFIX = "cinv_"


@dataclass(frozen=True)
class Member:
    user_id: str
    email: str
    display_name: str
    role: str
    created_at: datetime

    def as_json(self) -> dict:
        return {
            "user_id": self.user_id,
            "email": self.email,
            "display_name": self.display_name,
            "role": self.role,
            "created_at": iso_z(self.created_at),
        }


async def members(conn: asyncpg.Connection, tenant_id: str) -> list[Member]:
    rows = await conn.fetch(
        "SELECT m.user_id, u.email, u.display_name, m.role, m.created_at FROM memberships m"
        " JOIN users u USING (user_id) WHERE m.tenant_id = $1 ORDER BY m.created_at, u.email",
        tenant_id,
    )
    return [Member(**dict(r)) for r in rows]


async def set_role(conn: asyncpg.Connection, tenant_id: str, user_id: str, role: str) -> bool:
    done = await conn.execute(
        "UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2", tenant_id, user_id, check_role(role)
    )
    return done == "UPDATE 1"


async def owners(conn: asyncpg.Connection, tenant_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'owner'", tenant_id)


async def create_invitation(
    conn: asyncpg.Connection, tenant_id: str, email: str, role: str, invited_by: str, seconds: float
) -> tuple[str, str, datetime]:
    """A single-use invitation: its token (shown once), its id and when it expires."""
    token, invitation_id = new_token(INVITATION_PREFIX), f"inv_{uuid.uuid4().hex}"
    expires = await conn.fetchval(
        "INSERT INTO invitations (token_hash, invitation_id, tenant_id, email, role, invited_by, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) RETURNING expires_at",
        digest(token),
        invitation_id,
        tenant_id,
        normal_email(email),
        check_role(role),
        invited_by,
        float(seconds),
    )
    return token, invitation_id, expires


async def invitation_email(conn: asyncpg.Connection, token: str) -> str | None:
    if not token.startswith(INVITATION_PREFIX):
        return None
    return await conn.fetchval("SELECT invitation_email($1)", digest(token))


async def accept_invitation(
    conn: asyncpg.Connection, token: str, display_name: str, password_hash: str | None, existing_user: str | None
) -> asyncpg.Record | None:
    """The membership an invitation makes (user_id, tenant_id, role, email), once; None when the
    link is unknown, used or expired."""
    if not token.startswith(INVITATION_PREFIX):
        return None
    return await conn.fetchrow(
        "SELECT * FROM accept_invitation($1, $2, $3, $4)", digest(token), display_name, password_hash, existing_user
    )


async def request_reset_link(conn: asyncpg.Connection, email: str, seconds: float) -> str | None:
    """A reset token for the person with ``email`` (None when nobody has it, or three were asked
    for within the hour)."""
    token = new_token(RESET_PREFIX)
    made = await conn.fetchval(
        "SELECT request_password_reset($1, $2, $3)", normal_email(email), digest(token), float(seconds)
    )
    return token if made else None
