"""HTTP errors: every error response is ``{"error": {"code": ..., "message": ...}}``.

Domain errors (``streams.errors``) are mapped to a status in one place, by class.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import asyncpg
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from streams.errors import (
    ClipInUse,
    ClipstreamError,
    ContractError,
    CorrectionRefused,
    MediaError,
    PlanQuotaExceeded,
    SourceFetchFailed,
    StorageError,
    TimelineError,
    UnsafeUrl,
    WordNotFound,
)
from streams.failures import classify

log = logging.getLogger("clipstream.api")


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
    (PlanQuotaExceeded, 402),
    (WordNotFound, 422),
    (CorrectionRefused, 409),
    (ClipInUse, 409),
)


async def api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, _redacted(request, exc.message))


def _redacted(request: Request, message: str) -> str:
    """``message`` without any path of this machine (``streams.ops.redact``)."""
    redact = getattr(request.app.state, "redact", None)
    return redact(message) if redact else message


async def domain_error(request: Request, exc: ClipstreamError) -> JSONResponse:
    status = next((s for cls, s in _STATUS_BY_CLASS if isinstance(exc, cls)), 503 if exc.retriable else 500)
    answer = error_response(status, exc.code, _redacted(request, exc.message))
    if isinstance(exc, PlanQuotaExceeded):  # what is used, what is left, when it resets
        answer = JSONResponse(
            {"error": {"code": exc.code, "message": _redacted(request, exc.message), "quota": exc.details}},
            status_code=status,
        )
    return answer


async def data_error(request: Request, exc: asyncpg.DataError) -> JSONResponse:
    # PostgreSQL refused a value the request carried: the caller's input, not our fault. The edge
    # refuses what we know of (NUL, lone surrogates: api.inputs); this is the backstop, and the
    # database's own words (its encoding, its types) stay in the log.
    log.warning("the database refused a value of %s %s: %s", request.method, request.url.path, exc)
    return error_response(422, "invalid_input", "a value in the request cannot be stored or compared")


async def database_error(request: Request, exc: asyncpg.PostgresError | asyncpg.InterfaceError) -> JSONResponse:
    """Any other database failure: ours, told in our words (the database's are logged)."""
    known = classify(exc)
    log.error("database error on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    if known.retriable:
        return error_response(503, "database_unavailable", "the database is unavailable; try again shortly")
    return error_response(500, "internal_error", "the request failed on our side; it has been logged")


async def text_error(request: Request, exc: UnicodeError) -> JSONResponse:
    # A lone surrogate that got past the edge cannot be encoded for the database.
    return error_response(422, "invalid_input", "the request carries text that is not valid Unicode")


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
    asyncpg.PostgresError: database_error,
    asyncpg.InterfaceError: database_error,
    UnicodeError: text_error,
}
