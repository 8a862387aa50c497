"""Errors of settings and of the local stack: what an operator fixes before anything runs.
``streams.errors`` draws the whole tree."""

from __future__ import annotations

from streams.errors.base import ClipstreamError


class ConfigError(ClipstreamError):
    code = "config_error"


class ModelMissing(ConfigError):
    """A model a stage needs (its weights or tokenizer) is not installed or cannot be read: the
    stage cannot run without it, so the worker that would run it does not start."""

    code = "model_missing"


class UnsafeCheckpoint(ModelMissing):
    """A PyTorch checkpoint is damaged, or its pickle names something other than tensors and their
    storages (code it would run if loaded the usual way): it is refused, and nothing in it runs."""

    code = "unsafe_checkpoint"


class StackError(ClipstreamError):
    """A component of the local stack could not be managed. ``component`` names it and the
    message says how to fix it."""

    code = "stack_error"

    def __init__(self, component: str, message: str) -> None:
        super().__init__(f"{component}: {message}")
        self.component = component


class PortInUse(StackError):
    code = "port_in_use"


class MissingDependency(StackError):
    code = "missing_dependency"


class FetchFailed(StackError):
    code = "fetch_failed"
    retriable = True


class ComponentFailed(StackError):
    code = "component_failed"
