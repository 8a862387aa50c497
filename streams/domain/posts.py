"""A tenant's platform accounts and the posts of clips made to them, as the catalog keeps them
(``schemas/postgres/0016``). Frozen; built by ``streams.publish.store`` from its rows. An account
never carries its grant: the grant is read, sealed, only by the publisher."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.domain.envelope import iso_z
from streams.domain.video import known_columns

PLATFORMS = ("youtube", "tiktok")
ACCOUNT_STATUSES = ("connected", "reconnect_required")
POST_STATUSES = ("scheduled", "publishing", "processing", "published", "failed", "cancelled")


@dataclass(frozen=True)
class Account:
    """Attributes:
    account_id: ``acc_`` and 32 hex digits; tenant_id: whose it is; platform: one of ``PLATFORMS``.
    name: what its owner calls it (the channel's name); status: ``connected``, or
    ``reconnect_required`` once the platform no longer honours its grant.
    """

    account_id: str
    tenant_id: str
    platform: str
    name: str
    status: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Account:
        return cls(**known_columns(cls, row))

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "platform": self.platform,
            "name": self.name,
            "status": self.status,
            "created_at": iso_z(self.created_at),
        }


@dataclass(frozen=True)
class Post:
    """Attributes:
    post_id: ``pst_`` and 32 hex digits; tenant_id, clip_id, account_id: whose, what and where.
    title, description, tags, privacy: what the post says; publish_at: when it is to be out.
    status: ``scheduled``, ``publishing`` (claimed by a publisher), ``processing`` (the platform
    has every byte and is finishing the post: TikTok moderates a post for everyone before it gives
    its id, YouTube processes a video before it plays), ``published``, ``failed`` or
    ``cancelled``; upload_session: the platform's upload session, once opened.
    platform_id, url: the post on the platform, once published; attempts: claims so far.
    next_attempt_at: when it may be claimed next (the due time, a lease's end, a retry's); due at
    ``publish_at``, or before it where the platform schedules (``publish.platform.due_at``).
    error_code, error: why it failed, or why the last attempt did.
    processing_since: when the platform took the last byte of a post it was still finishing.
    """

    post_id: str
    tenant_id: str
    clip_id: str
    account_id: str
    title: str
    description: str
    tags: tuple[str, ...]
    privacy: str
    publish_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    upload_session: str | None = None
    platform_id: str | None = None
    url: str | None = None
    error_code: str | None = None
    error: str | None = None
    published_at: datetime | None = None
    processing_since: datetime | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Post:
        values = known_columns(cls, row)
        values["tags"] = tuple(values.get("tags") or ())
        return cls(**values)

    def as_json(self) -> dict[str, Any]:
        return {
            "post_id": self.post_id,
            "clip_id": self.clip_id,
            "account_id": self.account_id,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "privacy": self.privacy,
            "publish_at": iso_z(self.publish_at),
            "status": self.status,
            "attempts": self.attempts,
            "platform_id": self.platform_id,
            "url": self.url,
            "error_code": self.error_code,
            "error": self.error,
            "created_at": iso_z(self.created_at),
            "published_at": iso_z(self.published_at) if self.published_at else None,
        }
