"""The Starlette application: ``create_app(settings)``.

Its lifespan opens what the routes share (the catalog's connection pool, storage, the Kafka
producer) on ``app.state`` and closes them on shutdown.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api import videos
from api.auth import ApiKeyMiddleware
from api.errors import HANDLERS
from streams import __version__
from streams.adapters.catalog import Catalog
from streams.adapters.db import create_pool
from streams.adapters.producer import Producer, TopicWriter
from streams.adapters.storage import open_storage
from streams.settings import Settings


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True, "version": __version__})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette):
        pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=10)
        producer = Producer(settings.kafka_bootstrap)
        await producer.start()
        app.state.catalog = Catalog(pool)
        app.state.storage = open_storage(settings)
        app.state.uploads = TopicWriter(producer, "uploads")
        try:
            yield
        finally:
            await producer.stop()
            await pool.close()

    app = Starlette(
        routes=[Route("/healthz", healthz), *videos.routes],
        middleware=[Middleware(ApiKeyMiddleware, key=settings.api_key)],
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
