"""A route's declaration, on its handler: the operation it is (for the OpenAPI document) and the key
scope it needs (enforced here, before the handler runs).

    @operation("getVideo", "A video", {"200": json_response("VideoDetail", "The video.")},
               scope="read", tag="videos")
    async def get_video(request): principal = caller(request); ...

:mod:`api.openapi` builds the document by walking the app's routes and reading each handler's
:class:`Operation`, so what is served, what it needs and what is documented are one declaration.
Path parameters come from the route's path; ``path_params`` only describes them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope as AsgiScope

from api.auth import require

Scope = Literal["read", "write", "admin"]
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Operation:
    """One documented operation. ``scope=None`` is open, unless ``operator`` (the admin token,
    checked by the key middleware for ``/v1/admin/...``). ``signed``: a signed link (``?token=``)
    may stand in for the key. ``idempotent``: a tenant POST that honours ``Idempotency-Key``."""

    operation_id: str
    summary: str
    responses: dict
    tag: str
    scope: Scope | None = None
    parameters: list = field(default_factory=list)
    body: dict | None = None
    description: str = ""
    signed: bool = False
    idempotent: bool = False
    operator: bool = False
    path_params: dict[str, str] = field(default_factory=dict)


def operation(operation_id: str, summary: str, responses: dict, **kwargs) -> Callable[[Handler], Handler]:
    """Declare the handler's operation; with a ``scope``, callers whose key has less get a 403."""
    declared = Operation(operation_id, summary, responses, **kwargs)

    def declare(handler: Handler) -> Handler:
        endpoint = handler if declared.scope is None else _guarded(handler, declared.scope)
        endpoint.operation = declared  # type: ignore[attr-defined]
        return endpoint

    return declare


def _guarded(handler: Handler, scope: Scope) -> Handler:
    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        require(request, scope)
        return await handler(request)

    return endpoint


def post(operation_id: str, summary: str, responses: dict, **kwargs) -> Callable[[Handler], Handler]:
    """A tenant POST: it honours ``Idempotency-Key`` (:mod:`api.idempotency`)."""
    return operation(operation_id, summary, responses, idempotent=True, **kwargs)


def operation_of(endpoint: object) -> Operation | None:
    return getattr(endpoint, "operation", None)


def operation_at(app: object, scope: AsgiScope) -> Operation | None:
    """The operation the request in ``scope`` will reach (its path and method both match a route),
    for middleware that must know the route's scope before the route runs; None when no route
    takes it (the router answers that itself)."""
    for route in getattr(app, "routes", ()):
        if isinstance(route, Route):
            matched, _ = route.matches(scope)
            if matched is Match.FULL:
                return operation_of(route.endpoint)
    return None
