"""Cursor pagination: an opaque cursor names the last row of the previous page."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from starlette.requests import Request

from api.errors import ApiError

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
T = TypeVar("T")
MAX_CURSOR_CHARS = 512  # ours are ~100; bounds the work (and JSON nesting) a forged one can cause


def bounded_int(raw: str, low: int, high: int) -> int | None:
    """``raw`` as an integer in [low, high], or None. Only ASCII digits: ``"²".isdigit()`` is true
    but ``int("²")`` fails, and ``int`` refuses over 4300 digits."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        return None
    value = int(raw)
    return value if low <= value <= high else None


def page_limit(request: Request) -> int:
    limit = bounded_int(request.query_params.get("limit", str(DEFAULT_LIMIT)), 1, MAX_LIMIT)
    if limit is None:
        raise ApiError(422, "invalid_query", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return limit


def one_page(
    rows: Sequence[T], limit: int, position: Callable[[T], tuple[datetime, str]]
) -> tuple[list[T], str | None, bool]:
    """``rows`` fetched as ``limit + 1`` (newest first): the page, the next cursor, whether more.
    ``position`` is a row's ``(created_at, id)``, which the cursor names."""
    more, page = len(rows) > limit, list(rows[:limit])
    return page, encode_cursor(*position(page[-1])) if more else None, more


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError(cursor)
        stamp, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(stamp, str) or not isinstance(row_id, str):
            raise ValueError(cursor)
        created = datetime.fromisoformat(stamp)
        if created.tzinfo is None:
            raise ValueError(cursor)
        created.astimezone(UTC)  # a year-1 stamp with a +14:00 offset has no UTC time
        return created, row_id
    except (ValueError, TypeError, OverflowError):
        raise ApiError(422, "invalid_cursor", "the cursor is not one this API returned") from None
