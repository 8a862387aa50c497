"""The API's own description: ``GET /openapi.json`` and the page that renders it, ``GET /docs``.

The page is Swagger UI from the ``swagger-ui-dist`` npm package, installed by ``scripts/setup.sh``
(``npm ci`` in ``api/docs_assets``) and served from this origin under ``/docs/assets/``: nothing
is fetched from a CDN, and the page's policy allows scripts from this origin only. All three are
open (``api.auth.OPEN_PATHS``). Without the installed assets ``/docs`` answers 503 saying so.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from api import openapi
from api.errors import error_response
from api.openapi.blocks import OBJECT, json_response, text_response
from api.routing import operation

ASSETS_DIR = Path(__file__).parent / "docs_assets"
SWAGGER_DIR = ASSETS_DIR / "node_modules" / "swagger-ui-dist"
# What the page loads; nothing else of the package is served (its index.html points at a demo API).
SWAGGER_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png")
OWN_FILES = ("docs.js",)
MISSING = "the documentation page's assets are not installed: run scripts/setup.sh (npm ci in api/docs_assets)"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # Swagger UI sets style attributes from script
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>clipstream API</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/assets/docs.js"></script>
</body>
</html>
"""


def assets_installed() -> bool:
    return all((SWAGGER_DIR / name).is_file() for name in SWAGGER_FILES)


def _spec_bytes(app) -> bytes:
    """The app's document as JSON, made on first use (routes compare by value: no lru_cache)."""
    made = getattr(app.state, "openapi_json", None)
    if made is None:
        made = app.state.openapi_json = json.dumps(openapi.spec(app.routes), separators=(",", ":")).encode()
    return made


@operation(
    "getOpenapi", "This OpenAPI document", {"200": json_response(OBJECT, "The OpenAPI 3.1 document.")}, tag="meta"
)
async def openapi_json(request: Request) -> Response:
    return Response(_spec_bytes(request.app), media_type="application/json")


@operation(
    "getDocs",
    "This document, rendered (Swagger UI)",
    {
        "200": text_response("The page.", "text/html"),
        "503": json_response("Error", "Its assets are not installed: run scripts/setup.sh."),
    },
    tag="meta",
)
async def docs_page(request: Request) -> Response:
    if not assets_installed():
        return error_response(503, "docs_not_installed", MISSING)
    return HTMLResponse(
        PAGE,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


class DocsAssets:
    """``/docs/assets/<name>``: the listed files of the npm package and of ``api/docs_assets``."""

    def __init__(self) -> None:
        self.swagger = StaticFiles(directory=SWAGGER_DIR, check_dir=False)
        self.own = StaticFiles(directory=ASSETS_DIR)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["path"].rsplit("/", 1)[-1]
        if name in OWN_FILES:
            await self.own(scope, receive, send)
        elif name not in SWAGGER_FILES:
            await error_response(404, "not_found", f"no documentation asset {name!r}")(scope, receive, send)
        elif not assets_installed():
            await error_response(503, "docs_not_installed", MISSING)(scope, receive, send)
        else:
            await self.swagger(scope, receive, send)


routes = [
    Route("/openapi.json", openapi_json, methods=["GET"]),
    Route("/docs", docs_page, methods=["GET"]),
    Mount("/docs/assets", app=DocsAssets(), name="docs_assets"),
]
