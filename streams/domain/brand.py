"""A brand asset as the catalog keeps it: an image a tenant uploaded for its brand kit (the logo),
named in options by its id and stored under the tenant's prefix."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.domain.envelope import iso_z

ASSET_ID = re.compile(r"bra_[0-9a-f]{24}")


@dataclass(frozen=True)
class BrandAsset:
    """Attributes:
    asset_id: ``bra_`` and 24 hex digits; tenant_id: whose it is.
    filename: the name it was uploaded under; width, height: its size in pixels.
    size_bytes: the kept PNG's size; created_at: when it was uploaded.
    """

    asset_id: str
    tenant_id: str
    filename: str
    width: int
    height: int
    size_bytes: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> BrandAsset:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def as_json(self) -> dict:
        return {
            "asset_id": self.asset_id,
            "filename": self.filename,
            "width": self.width,
            "height": self.height,
            "size_bytes": self.size_bytes,
            "media_type": "image/png",
            "created_at": iso_z(self.created_at),
        }
