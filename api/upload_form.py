"""The multipart form of ``POST /v1/videos``: its options as one JSON object or one field each,
and its OpenAPI description."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

from api.errors import ApiError
from api.openapi.blocks import STRING, ref
from api.openapi.video_schemas import options_schema

OPTION_FIELDS: dict[str, Callable[[str], object]] = {
    "clip_count": int,
    "min_seconds": float,
    "max_seconds": float,
    "caption_style": str,
    "language": str,
    "length": str,
    "framing": str,
    "trim": str,
    "hook_title": lambda v: flag(v),
    "emphasis": lambda v: flag(v),
    "emoji": lambda v: flag(v),
    "max_overlap": float,
    "aspect_ratios": lambda v: [a.strip() for a in v.split(",") if a.strip()],
}


def flag(value: str) -> bool:
    """A form field's true or false (``true``/``false``, ``on``/``off``, ``1``/``0``, any case)."""
    flags = {"true": True, "on": True, "1": True, "false": False, "off": False, "0": False}
    try:
        return flags[value.strip().lower()]
    except KeyError:
        raise ValueError(value) from None


# -- the upload's name and options -------------------------------------------------------------
def form_options(form) -> object:
    """Options from a multipart form: ``options`` as one JSON object, and/or one field each (a
    field overrides the same key in ``options``); read by :func:`read_options`."""
    given: object = {}
    if "options" in form:
        if not isinstance(form["options"], str):
            raise ApiError(422, "invalid_options", "the 'options' field must be a JSON object, not a file")
        try:
            given = json.loads(form["options"], parse_constant=no_constants)
        except (ValueError, RecursionError):
            raise ApiError(422, "invalid_options", "the 'options' field must be a JSON object") from None
        if not isinstance(given, dict):
            raise ApiError(422, "invalid_options", "the 'options' field must be a JSON object")
    fields: dict[str, object] = {}
    for name, cast in OPTION_FIELDS.items():
        if name in form:
            if not isinstance(form[name], str):
                raise ApiError(422, "invalid_options", f"option {name} must be a form field, not a file")
            try:
                value = cast(form[name])
            except ValueError:
                raise ApiError(422, "invalid_options", f"option {name}={form[name][:40]!r} is not valid") from None
            if isinstance(value, float) and not math.isfinite(value):
                raise ApiError(422, "invalid_options", f"option {name} must be a finite number")
            fields[name] = value
    return {**given, **fields} if isinstance(given, dict) else given


def no_constants(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def upload_form() -> dict:
    """The multipart form: the file, and the options as JSON or one field each."""
    properties = options_schema()["properties"]  # each option's schema
    fields = {
        "file": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "The video (or audio). Streamed to storage, never held in memory.",
        },
        "options": {
            **ref("VideoOptions"),
            "description": "All options as one JSON object (the only way to give `brand`).",
        },
    }
    aspect = "|".join(re.escape(a) for a in properties["aspect_ratios"]["items"]["enum"])
    for name in OPTION_FIELDS:
        schema = dict(properties.get(name, STRING))
        if name == "aspect_ratios":
            schema = {
                "type": "string",
                "pattern": f"^({aspect})(,({aspect}))*$",
                "examples": ["9:16,1:1"],
                "description": "Comma-separated, each at most once.",
            }
        elif None in schema.get("enum", ()):
            schema["enum"] = [v for v in schema["enum"] if v is not None]
        fields[name] = schema
    return {"type": "object", "required": ["file"], "properties": fields}
