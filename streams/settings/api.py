"""The API's settings: where it listens, who may call it and how much, and what it promises its
callers (idempotency, signed links, uploads, webhooks)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiSettings:
    """Attributes:
    api_host / api_port: where the API listens; api_url: where clients reach it.
    public_url: where browsers and clients reach the API from outside (behind a proxy, a name);
        absolute links the API hands out (a timeline's source) are built on it, never on the
        request's Host header. Empty: ``api_url``.
    download_url: an origin of its own for stored files (sources, clips, timeline bundles), e.g.
        ``https://media.example.com`` routed to the same API, so that a user's file never shares
        an origin with the web page; signed file links are then absolute on it. Empty: relative
        links on the API's origin (still served inert: see ``api.headers``).
    allowed_hosts: comma-separated Host header values the API answers (Starlette's trusted-host
        check; ``*.example.com`` allowed, ``*`` for any). Empty: the hosts of ``public_url``,
        ``download_url`` and ``api_url`` plus the loopback names, or any host when the API
        listens on every interface (``0.0.0.0``) with neither URL set. ``/healthz`` and
        ``/metrics`` answer any host (probes and scrapers call by address).
    api_key: the API key the CLI and client send (``CLIPSTREAM_API_KEY``); empty means the key
        saved by ``clipstream stack up`` in ``data_dir/credentials.json`` for the local tenant.
    admin_token: the operator's token for ``/v1/admin`` routes (tenant creation); empty disables them.
    rate_limit_per_second / rate_limit_burst: each API key's token bucket (429 with Retry-After).
    max_body_bytes: the largest non-upload request body (JSON).
    idempotency_ttl_hours: how long an ``Idempotency-Key`` and its stored response are kept (>= 24).
    url_signing_secret: the key of signed links (players, progress streams); empty means a random
        one per API process, so set it when running several API replicas.
    presigned_upload_seconds: how long a presigned direct-to-S3 upload form stays valid.
    source_fetch_timeout_seconds: how long downloading a video from a source URL may take.
    webhook_allowed_hosts: comma-separated hosts exempt from the private-address guard (local
        development and tests only); applies to webhook endpoints and source URLs.
    webhook_retry_schedule: comma-separated delays in seconds between webhook attempts.
    webhook_timeout_seconds: how long one webhook delivery attempt may take.
    """

    api_host: str = "127.0.0.1"
    api_port: int = 18080
    api_url: str = ""
    public_url: str = ""
    download_url: str = ""
    allowed_hosts: str = ""
    api_key: str = ""
    admin_token: str = ""
    rate_limit_per_second: float = 20.0
    rate_limit_burst: int = 40
    max_body_bytes: int = 1024 * 1024
    idempotency_ttl_hours: float = 24.0
    url_signing_secret: str = ""
    presigned_upload_seconds: int = 900
    source_fetch_timeout_seconds: float = 600.0
    webhook_allowed_hosts: str = ""
    webhook_retry_schedule: str = "5,300,1800,7200,18000,36000,36000"
    webhook_timeout_seconds: float = 15.0

    @property
    def webhook_hosts(self) -> frozenset[str]:
        """``webhook_allowed_hosts`` (``"127.0.0.1, localhost, [::1]"``) as a set of lower-case
        hosts, an IPv6 address without its brackets (``streams.net.guard`` compares them)."""
        hosts = (h.strip().lower() for h in self.webhook_allowed_hosts.split(","))
        return frozenset(h[1:-1] if h.startswith("[") and h.endswith("]") else h for h in hosts if h)
