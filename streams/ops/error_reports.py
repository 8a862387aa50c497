"""Error reporting: sentry-sdk, initialised once per process; a no-op without a DSN.

Events carry the release and environment, the component as ``server_name`` and tag, and, for an
agent's failure, the stage, tenant, video, event and trace ids as tags, so an operator can go from
the report to the video, its dead letter and its logs."""

from __future__ import annotations

import logging

from streams import __version__
from streams.ops import logs
from streams.settings import Settings

log = logging.getLogger(__name__)


def init_sentry(settings: Settings, component: str) -> bool:
    """Initialise sentry-sdk for ``component`` (api, worker). Returns True if reporting is on."""
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        release=settings.release or f"clipstream@{__version__}",
        environment=settings.environment,
        server_name=component,
        send_default_pii=False,
        traces_sample_rate=0.0,
        # Failures are captured on purpose (``capture_failure``) with their ids; error log lines
        # would report each one twice.
        integrations=[LoggingIntegration(event_level=None)],
    )
    sentry_sdk.set_tag("component", component)
    return True


def capture_failure(error: BaseException, **tags: str | None) -> None:
    """Report an agent's failure with ``tags`` (stage, tenant_id, video_id, event_id, code) and the
    current trace id. Never raises: reporting must not break the stream."""
    try:
        import sentry_sdk

        with sentry_sdk.new_scope() as scope:
            for key, value in {**tags, "trace_id": logs.context_fields().get("trace_id")}.items():
                if value:
                    scope.set_tag(key, value)
            sentry_sdk.capture_exception(error)
    except Exception:
        log.exception("could not report an error to Sentry")
