"""Error reporting: sentry-sdk, initialised once per process; a no-op without a DSN."""

from __future__ import annotations

from streams import __version__
from streams.settings import Settings


def init_sentry(settings: Settings, component: str) -> bool:
    """Initialise sentry-sdk for ``component`` (api, worker). Returns True if reporting is on."""
    if not settings.sentry_dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        release=settings.release or f"clipstream@{__version__}",
        environment=settings.environment,
        server_name=component,
        send_default_pii=False,
        traces_sample_rate=0.0,
    )
    sentry_sdk.set_tag("component", component)
    return True
