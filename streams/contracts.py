"""The event contracts: JSON Schemas (draft 2020-12) in ``schemas/events``, one per event type.

``validate(event_type, payload)`` is what every consumer runs on a message from outside the
process boundary; a violation raises ContractError whose message says where and what.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from streams.errors import ContractError
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


@lru_cache(maxsize=None)
def _validator(event_type: str) -> Draft202012Validator:
    return Draft202012Validator(schema(event_type), registry=_registry(), format_checker=FormatChecker())


def validate(event_type: str, payload: Any) -> dict:
    """Return ``payload`` if it is a valid ``event_type`` event, else raise ContractError."""
    if not isinstance(payload, dict):
        raise ContractError(f"{event_type}: expected a JSON object, got {type(payload).__name__}")
    version = payload.get("schema_version")
    if isinstance(version, int) and version not in SUPPORTED_VERSIONS:
        raise ContractError(f"{event_type}: unsupported schema_version {version} (supported: "
                            f"{', '.join(map(str, sorted(SUPPORTED_VERSIONS)))})")
    errors = sorted(_validator(event_type).iter_errors(payload), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ContractError(f"{event_type}: {where}: {first.message}{more}")
    return payload


def parse(event_type: str, raw: bytes) -> dict:
    """Decode and validate a message value."""
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ContractError(f"{event_type}: not JSON ({exc})") from None
    return validate(event_type, payload)
