"""Structured logs: one JSON object per line, carrying what the line is about.

Every line has ``time``, ``level``, ``logger``, ``message`` and ``component`` (api, worker), the
ids bound for the work in hand (``tenant_id``, ``video_id``, ``event_id``, ``stage``) and the
current trace's ``trace_id``/``span_id``, so an operator can follow one video, or one request,
across the API and every agent with a filter on one field.

Ids are bound per unit of work with ``bound(...)`` (a context manager over a ``ContextVar``:
asyncio tasks started inside inherit them) or added to the current binding with ``bind(...)``.
``CLIPSTREAM_LOG_FORMAT=text`` gives the same fields as ``key=value`` pairs after the message.
"""

from __future__ import annotations

import json
import logging
import traceback
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Iterator

from opentelemetry import trace

_fields: ContextVar[dict[str, Any] | None] = ContextVar("clipstream_log_fields", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


@contextmanager
def bound(*, fresh: bool = False, **fields: Any) -> Iterator[dict[str, Any]]:
    """Bind ``fields`` (on top of the ones already bound, unless ``fresh``) to every line logged
    inside the block. The yielded dict is the binding itself: ``bind`` adds to it, visible to the
    block's owner.

    A new unit of work (a request, a message) starts ``fresh``: it may run in a task created
    inside the previous one's block (uvicorn starts a keep-alive connection's next request from
    the task of the one before), whose ids must not carry over."""
    inherited = {} if fresh else (_fields.get() or {})
    current = {**inherited, **{k: v for k, v in fields.items() if v is not None}}
    token = _fields.set(current)
    try:
        yield current
    finally:
        _fields.reset(token)


def bind(**fields: Any) -> None:
    """Add ``fields`` to the binding of the enclosing ``bound`` block (a no-op outside one)."""
    current = _fields.get()
    if current is not None:
        current.update({k: v for k, v in fields.items() if v is not None})


def context_fields() -> dict[str, Any]:
    """The bound ids plus the current trace and span ids."""
    out = dict(_fields.get() or {})
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        out["trace_id"] = format(span.trace_id, "032x")
        out["span_id"] = format(span.span_id, "016x")
    return out


class JsonFormatter(logging.Formatter):
    def __init__(self, component: str = "") -> None:
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.component:
            line["component"] = self.component
        line.update(context_fields())
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["error"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self, component: str = "") -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in context_fields().items())
        return f"{text} [{fields}]" if fields else text


FORMATTERS = {"json": JsonFormatter, "text": TextFormatter}


def dict_config(log_format: str, component: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that sends every logger's lines to stdout in ``log_format``
    (for Faust's worker and uvicorn, which each configure logging themselves from such a dict)."""
    kind = FORMATTERS.get(log_format)
    if kind is None:  # refused here, not deep inside dictConfig
        raise ValueError(f"log format must be json or text, got {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"clipstream": {"()": f"{kind.__module__}.{kind.__qualname__}", "component": component}},
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "formatter": "clipstream", "stream": "ext://sys.stdout"}
        },
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            name: {"level": level, "handlers": ["stdout"], "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
