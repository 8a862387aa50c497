"""A direct-to-storage upload waiting for its confirm call, as the catalog keeps it
(``schemas/postgres/0007``). Frozen; built by ``streams.adapters.pending_uploads``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from streams.domain.video import known_columns

# An upload not confirmed this long after its form expired is abandoned: its file and its row go
# (``streams.agents.billing``), so a file nobody confirmed is not held against the plan for good.
ABANDONED_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class PendingUpload:
    """Attributes:
    upload_id: its id, also the video's once confirmed; tenant_id: whose it is.
    storage_key: where the file is to arrive; filename: the name it was announced with.
    max_bytes: the largest file the presigned form accepts; options: the video's processing options.
    expires_at: when the presigned form expires; confirmed_at: when it was confirmed (None before).
    created_at: when the form was handed out.
    """

    upload_id: str
    tenant_id: str
    storage_key: str
    filename: str
    max_bytes: int
    options: Mapping[str, Any]
    expires_at: datetime
    confirmed_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> PendingUpload:
        """From a ``presigned_uploads`` row (``options`` already decoded from JSON)."""
        return cls(**known_columns(cls, row))


@dataclass(frozen=True)
class UploadClaim:
    """What a confirm call found: the upload; ``first`` when this call confirmed it (False when
    one before it did); ``expired`` when its form had expired by then."""

    upload: PendingUpload
    first: bool
    expired: bool
