"""The audit log: who did what in a workspace (``audit_events``, 0020), appended and never
changed. An actor is a person (``user``, their user id), an API key (``key``, its id), the
operator (``operator``) or an invitation taken (``invitation``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from streams.domain.envelope import iso_z


@dataclass(frozen=True)
class Actor:
    type: str
    id: str


def actor_of(principal: Any) -> Actor:
    """The actor a caller (``tenancy.Principal``) is: the person of a session, else the key."""
    session = getattr(principal, "session", None)
    return Actor("user", session.user_id) if session is not None else Actor("key", principal.key_id)


async def record(
    conn: asyncpg.Connection, tenant_id: str, actor: Actor, action: str, target: str = "", **detail: Any
) -> None:
    """Append one event (``action`` reads ``noun.verb``: ``video.deleted``, ``member.invited``)."""
    await conn.execute(
        "INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, target, detail)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        tenant_id,
        actor.type,
        actor.id,
        action,
        target,
        json.dumps(detail, default=str),
    )


async def events(conn: asyncpg.Connection, tenant_id: str, limit: int = 100, before: int | None = None) -> list[dict]:
    """The newest events first (``before``: only those older than that event id)."""
    rows = await conn.fetch(
        "SELECT * FROM audit_events WHERE tenant_id = $1 AND ($2::bigint IS NULL OR event_id < $2)"
        " ORDER BY event_id DESC LIMIT $3",
        tenant_id,
        before,
        limit,
    )
    return [
        {
            "event_id": r["event_id"],
            "at": iso_z(r["at"]),
            "actor": {"type": r["actor_type"], "id": r["actor_id"]},
            "action": r["action"],
            "target": r["target"],
            "detail": json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"],
        }
        for r in rows
    ]
