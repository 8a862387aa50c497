"""The Starlette application: ``create_app(settings)``.

Its lifespan opens what the routes share on ``app.state`` and closes them on shutdown: ``db``, a
pool connected as the application role (row-level security binds every query to the tenant the
route sets), the ``catalog`` over it, storage and the Kafka producer.

Middleware, outermost first: security headers on every response (``api.headers``), telemetry (span,
access log, request metrics), the Host check (400, ``api.hosts``), text refused at the edge (422,
``api.inputs``), API keys (401; 403 for a bad signed link), the per-key rate limit (429), body
sizes (413), ``Idempotency-Key`` replay (after the route's scope); then the routes, whose errors
are mapped by ``api.errors``.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api import (
    analytics,
    audit,
    billing,
    brand,
    clips,
    docs,
    library,
    members,
    pages,
    platform_notices,
    progress,
    publishing,
    sessions,
    sign_on,
    signing,
    speakers,
    submissions,
    tenants,
    timelines,
    usage,
    videos,
    webhooks,
)
from api.auth import ApiKeyMiddleware
from api.bodies import documented_fields
from api.errors import HANDLERS
from api.headers import SecurityHeadersMiddleware
from api.hosts import HostCheckMiddleware, allowed_hosts
from api.idempotency import IdempotencyMiddleware
from api.inputs import InputGuardMiddleware
from api.limits import BodyLimitMiddleware, RateLimitMiddleware
from api.openapi.blocks import json_response
from api.routing import operation
from api.telemetry import TelemetryMiddleware, prometheus_metrics
from streams import __version__
from streams.adapters.catalog import Catalog
from streams.adapters.db import create_pool
from streams.adapters.producer import Producer, TopicWriter
from streams.adapters.storage import open_storage
from streams.domain import pipeline
from streams.ops import redact
from streams.search import open_index
from streams.settings import Settings


@operation("healthz", "Liveness and version", {"200": json_response("Health", "Up.")}, tag="meta")
async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True, "version": __version__})


# Every route; each handler declares its operation and scope (api.routing), so this list is also
# what /openapi.json describes.
ROUTES: list[BaseRoute] = [
    Route("/healthz", healthz),
    Route("/metrics", prometheus_metrics),
    *submissions.routes,
    *videos.routes,
    *speakers.routes,
    *clips.routes,
    *brand.routes,
    *publishing.routes,
    *platform_notices.routes,
    *sessions.routes,
    *sign_on.routes,
    *members.routes,
    *audit.routes,
    *timelines.routes,
    *progress.routes,
    *library.routes,
    *analytics.routes,
    *usage.routes,
    *billing.routes,
    *tenants.routes,
    *webhooks.routes,
    *docs.routes,
    *pages.routes,
]


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette):
        pool = await create_pool(settings.postgres_app_dsn, min_size=1, max_size=10)
        producer = Producer(settings.kafka_bootstrap)
        await producer.start()
        app.state.db = pool
        app.state.catalog = Catalog(pool)
        app.state.storage = open_storage(settings)
        app.state.search = await asyncio.to_thread(open_index, settings)
        app.state.uploads = TopicWriter(producer, pipeline.UPLOADS)
        app.state.render_requests = TopicWriter(producer, pipeline.RENDER_REQUESTS)
        app.state.progress = progress.ProgressHub(settings.kafka_bootstrap)
        await app.state.progress.start()
        try:
            yield
        finally:
            await app.state.progress.stop()
            await producer.stop()
            await pool.close()
            app.state.search.close()

    app = Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(TelemetryMiddleware),
            Middleware(HostCheckMiddleware, hosts=allowed_hosts(settings)),
            Middleware(InputGuardMiddleware),
            Middleware(ApiKeyMiddleware),
            Middleware(RateLimitMiddleware, rate=settings.rate_limit_per_second, burst=settings.rate_limit_burst),
            Middleware(BodyLimitMiddleware, body_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes),
            Middleware(IdempotencyMiddleware, ttl_hours=settings.idempotency_ttl_hours),
        ],
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.body_fields = documented_fields(app.routes)  # what each JSON body may hold (api.bodies)
    app.state.redact = redact.for_settings(settings)
    app.state.signing_secret = settings.url_signing_secret.encode() or signing.new_secret()
    return app
