"""Which names the API answers to, and the bases of the absolute links it hands out.

A request's ``Host`` header is the caller's word: links built from it point wherever the caller
says (a signed link on ``attacker.invalid``). So absolute links are built from settings
(``public_url``, ``download_url``), and the Host is checked against ``allowed_hosts`` by
Starlette's trusted-host middleware (400 for any other).
"""

from __future__ import annotations

from urllib.parse import urlparse

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from streams.errors import ConfigError
from streams.settings import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD_BINDS = ("0.0.0.0", "::", "")
ANY_HOST_PATHS = ("/healthz", "/metrics")  # probes and scrapers call by address


def public_base(settings: Settings) -> str:
    """Where clients reach the API: ``public_url``, else ``api_url`` (no trailing slash)."""
    return _url(settings.public_url or settings.api_url, "PUBLIC_URL")


def download_base(settings: Settings) -> str:
    """The origin signed file links are made absolute on; empty for relative links."""
    return _url(settings.download_url, "DOWNLOAD_URL") if settings.download_url else ""


def allowed_hosts(settings: Settings) -> list[str]:
    """The Host values the API answers (``["*"]``: any)."""
    if settings.allowed_hosts.strip():
        return [h.strip() for h in settings.allowed_hosts.split(",") if h.strip()]
    named = [settings.public_url, settings.download_url]
    if not any(named) and settings.api_host in WILDCARD_BINDS:
        return ["*"]
    hosts = [urlparse(_url(u, "URL")).hostname or "" for u in (*named, settings.api_url) if u]
    return list(dict.fromkeys([h for h in hosts if h] + list(LOOPBACK)))


def _url(value: str, name: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"CLIPSTREAM_{name}={value!r} is not an http(s) URL with a host")
    return value.rstrip("/")


class HostCheckMiddleware:
    """Starlette's trusted-host check for every path but the probes'."""

    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app = app
        self.checked = TrustedHostMiddleware(app, allowed_hosts=hosts, www_redirect=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in ANY_HOST_PATHS:
            await self.app(scope, receive, send)
            return
        await self.checked(scope, receive, send)


def page_link(settings: Settings, fragment: str) -> str:
    """The web page's address with ``#fragment`` (links mailed to people: invitations, resets)."""
    return f"{public_base(settings)}/#{fragment}"
