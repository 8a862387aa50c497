"""Cursor pagination: an opaque cursor names the last row of the previous page."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from starlette.requests import Request

from api.errors import ApiError

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


def page_limit(request: Request) -> int:
    raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(422, "invalid_query", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        stamp, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(stamp), str(row_id)
    except (ValueError, TypeError):
        raise ApiError(422, "invalid_cursor", "the cursor is not one this API returned") from None
