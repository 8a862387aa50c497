"""The event contracts: JSON Schemas (draft 2020-12) in ``schemas/events``, one per event type.

``read(event_type, key, value, max_bytes)`` is what every agent runs on each message it consumes:
its size, that it is JSON, its schema version, the schema, and that it is keyed by its video id.
Anything wrong raises a ``ContractError`` (``EventTooLarge``, ``UnsupportedSchemaVersion``,
``InvalidKey``, or the base class for not-JSON and schema violations) whose message says where and
what, so a bad message becomes a dead letter with a reason instead of an agent crash.
``validate(event_type, payload)`` checks a payload already in hand (the API's, before it sends).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from streams.errors import ContractError, EventTooLarge, InvalidKey, UnsupportedSchemaVersion
from streams.settings import project_root

SCHEMA_DIR = project_root() / "schemas" / "events"
EVENT_TYPES = (
    "upload_received",
    "audio_chunk_ready",
    "transcript_chunk_ready",
    "moments_found",
    "clip_rendered",
    "lifecycle",
    "render_requested",
    "post_stats_fetched",
)
SUPPORTED_VERSIONS = {1}


@lru_cache(maxsize=1)
def _registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        resource = Resource.from_contents(schema)
        resources += [(schema["$id"], resource), (path.name, resource)]
    return Registry().with_resources(resources)


def schema(event_type: str) -> dict:
    if event_type not in EVENT_TYPES:
        raise ContractError(f"unknown event type {event_type!r}")
    return json.loads((SCHEMA_DIR / f"{event_type}.schema.json").read_text())


@cache
def _validator(event_type: str) -> Draft202012Validator:
    return Draft202012Validator(schema(event_type), registry=_registry(), format_checker=FormatChecker())


def validate(event_type: str, payload: Any) -> dict:
    """Return ``payload`` if it is a valid ``event_type`` event, else raise ContractError."""
    if not isinstance(payload, dict):
        raise ContractError(f"{event_type}: expected a JSON object, got {type(payload).__name__}")
    version = payload.get("schema_version")
    if isinstance(version, int) and version not in SUPPORTED_VERSIONS:
        raise UnsupportedSchemaVersion(
            f"{event_type}: unsupported schema_version {version} (supported: "
            f"{', '.join(map(str, sorted(SUPPORTED_VERSIONS)))})"
        )
    errors = sorted(_validator(event_type).iter_errors(payload), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ContractError(f"{event_type}: {where}: {first.message}{more}")
    return payload


def parse(event_type: str, raw: bytes) -> dict:
    """Decode and validate a message value. A ``null`` field counts as absent (Faust writes an
    optional field it was not given as ``null``), so it is dropped before validation."""
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, ValueError, TypeError, RecursionError) as exc:
        raise ContractError(f"{event_type}: not JSON ({exc})") from None
    return validate(event_type, _without_nulls(payload))


def read(event_type: str, key: bytes | str | None, value: bytes | None, max_bytes: int) -> dict:
    """The validated payload of one consumed message, or a ``ContractError`` saying what is wrong."""
    size = len(value or b"")
    if size > max_bytes:
        raise EventTooLarge(
            f"{event_type}: the message is {size:,} bytes, over the limit of {max_bytes:,} (CLIPSTREAM_MAX_EVENT_BYTES)"
        )
    payload = parse(event_type, value or b"")
    video_id = payload["video_id"]
    if key is None or key == b"" or key == "":
        raise InvalidKey(f"{event_type}: the message has no key; it must be keyed by its video_id {video_id!r}")
    if isinstance(key, bytes):
        try:
            key = key.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidKey(
                f"{event_type}: the message key is not UTF-8 text ({key[:32]!r}); it must be its video_id {video_id!r}"
            ) from None
    if key != video_id:
        raise InvalidKey(f"{event_type}: the message key {key[:80]!r} is not its video_id {video_id!r}")
    return payload


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
