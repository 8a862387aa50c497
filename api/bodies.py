"""Reading JSON request bodies: one place for the 415/422 a malformed body gets."""

from __future__ import annotations

import json

from starlette.requests import Request

from api.errors import ApiError
from api.inputs import bad_value


async def json_object(request: Request, *, optional: bool = False) -> dict:
    """The body as a JSON object; ``{}`` for an empty body when ``optional``."""
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise ApiError(422, "invalid_body", "the request needs a JSON object body")
    content_type = request.headers.get("content-type", "application/json")
    if "json" not in content_type:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise ApiError(422, "invalid_body", "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_body", "the body must be a JSON object")
    refuse_bad_text(value)
    return value


def refuse_bad_text(value: object, what: str = "the body") -> None:
    """422 ``invalid_input`` when a string in ``value`` holds a NUL or a lone surrogate."""
    if bad_value(value):
        raise ApiError(422, "invalid_input", f"{what} holds a NUL character or a lone UTF-16 surrogate")


def field(body: dict, name: str, kind: type, *, default=None, required: bool = False):
    """``body[name]`` checked to be of ``kind``; 422 naming the field otherwise."""
    if name not in body or body[name] is None:
        if required:
            raise ApiError(422, "invalid_body", f"'{name}' is required")
        return default
    value = body[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ApiError(422, "invalid_body", f"'{name}' must be a {kind.__name__}")
    return value
