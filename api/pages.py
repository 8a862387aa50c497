"""The web page for creators and operators: ``GET /`` and its files under ``/static/``.

Plain HTML, JavaScript modules and CSS from ``api/web/`` with no build step. Both routes are open
(``api.auth.OPEN_PATHS``): the page asks for an API key itself, keeps it in the browser's
``localStorage`` and sends it as ``Authorization: Bearer`` with every call. ``/#key=<key>`` opens
it already signed in (the fragment never reaches a server; the page removes it from the address).
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from api.openapi.blocks import text_response
from api.routing import operation

WEB_DIR = Path(__file__).parent / "web"

# Scripts and styles only from files on this origin: even if API data ever reached the page as
# markup, it could not run. Media and images may come from object storage (presigned S3 links).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http: https:; "
    "media-src 'self' blob: http: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@operation(
    "webPage",
    "The web page for creators and operators (HTML)",
    {"200": text_response("The page; it asks for an API key itself.", "text/html")},
    tag="meta",
)
async def index(request: Request) -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


class _StaticFiles(StaticFiles):
    """Static files that a browser revalidates (cheap: ETag) so a deploy never runs stale modules."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


routes = [
    Route("/", index, methods=["GET", "HEAD"]),
    Mount("/static", app=_StaticFiles(directory=WEB_DIR / "static"), name="static"),
]
