"""A served model's settings, read one way for every model: Triton's ``config.pbtxt`` carries them
as string parameters; an options dataclass names them, with their types and defaults."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

_TRUE = ("1", "true", "yes", "on")


def config_parameters(config: Mapping[str, Any]) -> dict[str, str]:
    """``{name: value}`` of a model config's ``parameters`` (as Triton gives it in JSON), values stripped."""
    return {k: str((v or {}).get("string_value", "")).strip() for k, v in (config.get("parameters") or {}).items()}


def options_from(cls: type[T], params: Mapping[str, str]) -> T:
    """An instance of the options dataclass ``cls``: each field set from ``params`` when given and
    not blank, read as the field's type (``bool``: 1, true, yes or on), else left at its default.
    A value that is not of its type raises ``ValueError`` naming the parameter."""
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        raw = str(params.get(field.name, "")).strip()
        if not raw:
            continue
        kind = hints[field.name]
        try:
            kwargs[field.name] = raw.lower() in _TRUE if kind is bool else kind(raw)
        except ValueError as exc:
            raise ValueError(f"parameter {field.name} must be {kind.__name__}, got {raw!r}") from exc
    return cls(**kwargs)
