"""The Starlette application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from streams import __version__
from streams.settings import Settings


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True, "version": __version__})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    app = Starlette(routes=[Route("/healthz", healthz)])
    app.state.settings = settings
    return app
