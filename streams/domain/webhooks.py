"""A tenant's webhook endpoints, their signing secrets, and the deliveries made to them with each
attempt, as the catalog keeps them (``schemas/postgres/0005``). Frozen; built by
``streams.webhooks.store`` from its rows, read by the dispatcher and the API's views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.domain.video import known_columns

ENDPOINT_STATUSES = ("enabled", "disabled")
DELIVERY_STATUSES = ("pending", "delivered", "failed", "disabled")


@dataclass(frozen=True)
class SigningSecret:
    """A secret an endpoint's messages are signed with (``whsec_...``); ``expires_at`` None for
    the current one, else the end of a rotated-out secret's grace period."""

    secret: str
    created_at: datetime
    expires_at: datetime | None = None

    def signs_at(self, now: datetime) -> bool:
        """Whether it still signs at ``now``: the current one always, a rotated-out one until it expires."""
        return self.expires_at is None or self.expires_at > now

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> SigningSecret:
        """From its stored form: ``{secret, created_at, expires_at}`` with ISO 8601 times."""
        expires = entry.get("expires_at")
        return cls(
            secret=entry["secret"],
            created_at=_time(entry["created_at"]),
            expires_at=None if expires is None else _time(expires),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "secret": self.secret,
            "created_at": self.created_at.isoformat(),
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
        }


@dataclass(frozen=True)
class Endpoint:
    """Attributes:
    endpoint_id, tenant_id: its id and its tenant's; url: where messages are POSTed.
    description: the tenant's words for it; event_types: the types it receives (empty: every type).
    status: ``enabled`` or ``disabled``; disabled_reason: why it was disabled (None when enabled).
    secrets: its signing secrets, the current one first.
    created_at, updated_at: when it was added and last changed.
    """

    endpoint_id: str
    tenant_id: str
    url: str
    description: str
    event_types: tuple[str, ...]
    status: str
    disabled_reason: str | None
    secrets: tuple[SigningSecret, ...]
    created_at: datetime
    updated_at: datetime

    @property
    def current_secret(self) -> str:
        return self.secrets[0].secret

    @property
    def enabled(self) -> bool:
        return self.status == "enabled"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Endpoint:
        """From a ``webhook_endpoints`` row (``secrets`` already decoded from JSON)."""
        return cls(
            **known_columns(cls, row, but=("event_types", "secrets")),
            event_types=tuple(row["event_types"]),
            secrets=tuple(SigningSecret.from_json(s) for s in row["secrets"]),
        )


@dataclass(frozen=True)
class Attempt:
    """One POST of a delivery: its number (from 1), the HTTP status it got (None when no answer
    came), what went wrong (None when it was accepted), how long it took, and when it was made."""

    delivery_id: str
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int
    at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Attempt:
        return cls(**known_columns(cls, row))


@dataclass(frozen=True)
class Delivery:
    """One message to one endpoint, sent until it is accepted, runs out of retries or its endpoint
    is disabled.

    Attributes:
    delivery_id, tenant_id, endpoint_id: its id, its tenant's, and its endpoint's.
    event_type: what happened (``video.completed``, ...); payload: the message's body.
    msg_id: the ``webhook-id``, the same on every attempt (receivers drop duplicates by it).
    status: one of ``DELIVERY_STATUSES``; attempts: how many were made; schedule_step: failures
        since it was enqueued or replayed (the retry schedule's position).
    next_attempt_at: when it is due (meaningful while pending); last_status_code, last_error: what
        the last attempt got.
    created_at, delivered_at: when it was enqueued and accepted.
    attempt_log: its attempts, oldest first, where they were read with it (else empty).
    """

    delivery_id: str
    tenant_id: str
    endpoint_id: str
    event_type: str
    msg_id: str
    payload: Mapping[str, Any]
    status: str
    attempts: int
    schedule_step: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: tuple[Attempt, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, Any], attempt_log: tuple[Attempt, ...] = ()) -> Delivery:
        """From a ``webhook_deliveries`` row (``payload`` already decoded from JSON)."""
        return cls(**known_columns(cls, row, but=("attempt_log",)), attempt_log=attempt_log)


@dataclass(frozen=True)
class Claim:
    """A due delivery a dispatcher has leased, with what sending it needs of its endpoint."""

    delivery: Delivery
    url: str
    secrets: tuple[SigningSecret, ...]
    endpoint_enabled: bool


def _time(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
