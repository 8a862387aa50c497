"""Reading JSON request bodies: one place for the 415/422 a malformed body gets."""

from __future__ import annotations

import json
from typing import Iterable

from starlette.requests import Request
from starlette.routing import BaseRoute

from api.errors import ApiError
from api.inputs import bad_value
from api.openapi.components import components
from api.routing import operation_of


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
    known = request.app.state.body_fields.get(request.scope.get("endpoint"))
    if known is not None and (unknown := sorted(set(value) - known)):
        raise ApiError(
            422,
            "invalid_body",
            f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}: "
            f"this operation takes {', '.join(sorted(known)) or 'no fields'}",
        )
    return value


def documented_fields(routes: Iterable[BaseRoute]) -> dict[object, frozenset[str]]:
    """For each route endpoint whose operation documents a closed JSON object body
    (``routing.Operation.body``, a ``$ref`` read from ``components``), the fields it takes; built
    once by ``create_app`` (``app.state.body_fields``), so a field the API would ignore (a misspelt
    one, ``events`` for ``event_types``) is refused rather than dropped. A body documented as open
    (no ``properties``, or ``additionalProperties`` not false) takes any field."""
    schemas = components()["schemas"]
    found: dict[object, frozenset[str]] = {}
    for route in routes:
        endpoint = getattr(route, "endpoint", None)
        declared = operation_of(endpoint)
        content = ((declared.body or {}).get("content") or {}) if declared else {}
        schema = content.get("application/json", {}).get("schema")
        if isinstance(schema, dict) and "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1])
        if not isinstance(schema, dict) or schema.get("type") != "object" or "properties" not in schema:
            continue
        if schema.get("additionalProperties", False) is False:
            found[endpoint] = frozenset(schema["properties"])
    return found


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
