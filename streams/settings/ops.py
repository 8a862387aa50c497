"""How every process reports on itself: its logs and its error reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpsSettings:
    """Attributes:
    log_format: ``json`` (one object per line, with tenant/video/event/trace ids) or ``text``.
    sentry_dsn / environment / release: error reporting; no DSN means sentry is a no-op.
    """

    log_format: str = "json"
    sentry_dsn: str = ""
    environment: str = "development"
    release: str = ""
