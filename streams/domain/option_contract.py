"""The options an upload may state, as the ``upload_received`` contract declares them
(``schemas/events/upload_received.schema.json``): read here once, as plain JSON, for the typed
options (``options``) and the brand kit (``brand``), which both take their choices from it.

This module imports nothing but the standard library, like the rest of what the API and the worker
share; ``streams.domain.contracts`` validates against the same file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

CONTRACT = Path(__file__).resolve().parents[2] / "schemas" / "events" / "upload_received.schema.json"


@cache
def properties() -> Mapping[str, Any]:
    """Each option's declaration (type, range, default), by name."""
    return MappingProxyType(json.loads(CONTRACT.read_text())["properties"]["options"]["properties"])


def choices(name: str) -> tuple[str, ...]:
    """The values option ``name`` may take, as the contract lists them (its ``enum``)."""
    spec = properties()[name]
    return tuple(spec["items"]["enum"] if spec.get("type") == "array" else spec["enum"])


def in_order(stated: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """``stated`` with its keys in the order of ``names``, any others last (as they came)."""
    order = {name: i for i, name in enumerate(names)}
    return dict(sorted(stated.items(), key=lambda item: order.get(item[0], len(order))))
