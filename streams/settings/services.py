"""Where the services are and how clients reach them: Kafka, Triton, PostgreSQL, storage,
ClickHouse and search. Empty addresses default to the local stack's (``Settings`` derives them from
its ports), so changing one port moves both the server and its clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from streams.settings.env import project_root

SEARCH_BACKENDS = ("auto", "embedded", "meilisearch")


@dataclass(frozen=True)
class ServiceSettings:
    """Attributes:
    kafka_bootstrap: bootstrap servers for clients (defaults to the local broker).
    kafka_partitions: partitions for the pipeline's topics.
    kafka_replication: replicas of each topic the worker creates (3 on a production cluster).
    triton_grpc_url / triton_http_url: where clients reach Triton (default: the local one).
    triton_model_repo: the model repository Triton serves.
    postgres_dsn: how the worker and the tools connect (the owner role).
    postgres_app_dsn: how the API connects: a non-owner role subject to row-level security.
    storage_url: ``file:///abs/dir`` (default: ``data_dir/storage``) or ``s3://bucket[/prefix]``.
    s3_endpoint_url / s3_access_key / s3_secret_key / s3_region: S3 connection (MinIO locally).
    clickhouse_url: a ClickHouse server URL; empty means the embedded engine at clickhouse_path.
    clickhouse_path: where the embedded engine keeps its data (default: ``data_dir/clickhouse``).
    search_backend: ``auto`` (Meilisearch when ``meilisearch_url`` is set or the local stack runs
        one, else the embedded index), ``embedded`` (always the embedded index) or ``meilisearch``
        (Meilisearch or an error that says how to get one).
    meilisearch_url / meilisearch_key: a Meilisearch server to use; empty means the local stack's
        own when it runs one, else the embedded index. For ``POST /v1/search/token`` the key must
        be the master key, or a key with ``keys.get``.
    meilisearch_public_url: where front ends reach that Meilisearch with a tenant token (empty:
        ``meilisearch_url``).
    token_keys: the Fernet keys platform grants are sealed with at rest (``publish.tokens``),
        comma-separated: the first seals, all open (rotation: a new key first, then re-seal).
        Empty: publishing is off (an account cannot be connected).
    youtube_client_id / youtube_client_secret: the OAuth client (a Google Cloud project's) that
        accounts grant clipstream uploads through; empty: YouTube is not offered.
    youtube_api_url / youtube_token_url / youtube_auth_url: where the YouTube Data API, Google's
        OAuth token endpoint and its consent page are (empty: Google's own; the tests point them at
        a stand-in).
    tiktok_client_key / tiktok_client_secret: the TikTok app accounts grant posting through (the
        Content Posting API's ``video.publish`` scope); empty: TikTok is not offered.
    tiktok_api_url / tiktok_auth_url: TikTok's API (its token endpoint is ``/v2/oauth/token/``
        there) and its consent page (empty: TikTok's own).
    platform_ca_certs: a PEM file of certificate authorities to trust when calling the platforms
        (empty: the HTTP library's bundle; a proxy that re-signs TLS, or the tests' stand-in).
    session_idle_seconds / session_max_seconds: a web page session ends after this long without
        a request, and this long after it began whatever happens.
    sign_in_max_failures / sign_in_window_seconds: this many wrong passwords for one email within
        the window, and signing in as it is refused until the window has passed.
    smtp_url / smtp_from: the SMTP server invitations are mailed through
        (``smtp://[user:password@]host[:port]``, ``smtps://`` or ``smtp+starttls://``) and their
        sender; empty: not mailed (the admin gets the link to pass on).
    oidc_issuer: the OpenID provider people sign in through (single sign-on: the company's
        Okta, Entra ID, Google, Keycloak, Dex or Hydra), as its ``iss``; empty: no single sign-on.
        Its discovery document (``/.well-known/openid-configuration``) is read on first use.
    oidc_client_id / oidc_client_secret: clipstream's client at that provider, whose redirect
        URI is ``<public_url>/v1/sign-on/callback``.
    oidc_name: what the sign-in button calls the provider ("Sign in with <name>").
    plan_source_minutes_per_month / plan_concurrent_videos / plan_max_source_minutes /
        plan_storage_gb: the plan of every workspace that has none of its own (``clipstream plans
        set``): source minutes processed a calendar month (UTC), videos in flight at once, the
        longest source, the storage its objects may hold (GB, as last measured); 0: no limit.
    storage_snapshot_seconds: how often the worker measures each workspace's storage.
    stripe_api_key: the Stripe secret key billing runs with; empty: no billing, and nothing reaches
        Stripe (plans and quotas work without it).
    stripe_api_url: where Stripe's API is (empty: Stripe's own; the tests: stripe-mock).
    stripe_webhook_secret: the signing secret of the Stripe webhook endpoint
        (``<public_url>/v1/billing/webhook``); events with any other signature are refused.
    stripe_price_id: the metered price a subscription is made of (Stripe Checkout).
    stripe_meter_id / stripe_meter_event_name: the billing meter source seconds are reported to
        (its event name; the meter sums the events' ``value``, in seconds).
    billing_report_seconds: how often the worker reports new ledger rows to Stripe.
    post_stats_seconds: how often each published post's views, likes and comments are fetched
        from its platform into analytics (a post published over a week ago: daily at most often).
    """

    kafka_bootstrap: str = ""
    kafka_partitions: int = 4
    kafka_replication: int = 1
    triton_grpc_url: str = ""
    triton_http_url: str = ""
    triton_model_repo: Path = field(default_factory=lambda: project_root() / "models" / "triton_repo")
    postgres_dsn: str = ""
    postgres_app_dsn: str = ""
    storage_url: str = ""
    s3_endpoint_url: str = ""
    s3_access_key: str = "clipstream"
    s3_secret_key: str = "clipstream-secret"
    s3_region: str = "us-east-1"
    clickhouse_url: str = ""
    clickhouse_path: Path | None = None
    search_backend: str = "auto"
    meilisearch_url: str = ""
    meilisearch_key: str = ""
    meilisearch_public_url: str = ""
    token_keys: str = field(default="", repr=False)
    youtube_client_id: str = ""
    youtube_client_secret: str = field(default="", repr=False)
    youtube_api_url: str = ""
    youtube_token_url: str = ""
    youtube_auth_url: str = ""
    tiktok_client_key: str = ""
    tiktok_client_secret: str = field(default="", repr=False)
    tiktok_api_url: str = ""
    tiktok_auth_url: str = ""
    platform_ca_certs: str = ""
    post_stats_seconds: float = 3600.0
    plan_source_minutes_per_month: float = 0.0
    plan_concurrent_videos: int = 0
    plan_max_source_minutes: float = 0.0
    plan_storage_gb: float = 0.0
    storage_snapshot_seconds: float = 3600.0
    stripe_api_key: str = field(default="", repr=False)
    stripe_api_url: str = ""
    stripe_webhook_secret: str = field(default="", repr=False)
    stripe_price_id: str = ""
    stripe_meter_id: str = ""
    stripe_meter_event_name: str = "clipstream_source_seconds"
    billing_report_seconds: float = 30.0
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_name: str = "single sign-on"
    smtp_url: str = field(default="", repr=False)
    smtp_from: str = "clipstream <clipstream@localhost>"
    session_idle_seconds: float = 8 * 3600.0
    session_max_seconds: float = 7 * 86400.0
    sign_in_max_failures: int = 10
    sign_in_window_seconds: float = 900.0
