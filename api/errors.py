"""HTTP errors: every error response is ``{"error": {"code": ..., "message": ...}}``.

Domain errors (``streams.errors``) are mapped to a status in one place, by class.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from streams.errors import (
    ClipstreamError,
    ContractError,
    MediaError,
    SourceFetchFailed,
    StorageError,
    TimelineError,
    UnsafeUrl,
)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


_STATUS_BY_CLASS: tuple[tuple[type[ClipstreamError], int], ...] = (
    (ContractError, 422),
    (MediaError, 422),
    (StorageError, 503),
    (UnsafeUrl, 422),
    (SourceFetchFailed, 502),
    (TimelineError, 409),
)


async def api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message)


async def domain_error(request: Request, exc: ClipstreamError) -> JSONResponse:
    status = next((s for cls, s in _STATUS_BY_CLASS if isinstance(exc, cls)), 503 if exc.retriable else 500)
    return error_response(status, exc.code, exc.message)


async def data_error(request: Request, exc: asyncpg.DataError) -> JSONResponse:
    # PostgreSQL refused a value the request carried (a NUL character in a path or a field, a NaN in
    # JSON): the caller's input, not our fault. Handlers should check first; this is the backstop.
    return error_response(422, "invalid_input", f"a value in the request cannot be stored or compared: {exc}")


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
    return error_response(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))


# Starlette calls each with the exception class it is registered for, which its annotation cannot
# say (it takes Exception), so the mapping is typed by what the handlers return.
HANDLERS: dict[type[Exception], Callable[..., Awaitable[JSONResponse]]] = {
    ApiError: api_error,
    ClipstreamError: domain_error,
    HTTPException: http_error,
    asyncpg.DataError: data_error,
}
