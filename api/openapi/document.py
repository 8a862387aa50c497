"""The OpenAPI 3.1 document of an app, built from its routes: :func:`spec`.

Each route's handler carries its :class:`~api.routing.Operation`; the path and method come from the
route, the path parameters from its template, and what every operation of a kind shares (the key's
errors, the signed-link alternative, ``Idempotency-Key``, the body limits, the operator token) is
added here. Routes without an operation are what :func:`undocumented` lists (a test keeps it empty).
"""

from __future__ import annotations

import re
from typing import Iterator

from starlette.routing import BaseRoute, Host, Mount, Route

from api.openapi.blocks import IDEMPOTENCY, STRING, error, path_param
from api.openapi.components import components
from api.openapi.webhooks_sent import webhooks
from api.routing import Operation, operation_of
from streams import __version__

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
TAGS = ("videos", "clips", "publishing", "brand", "library", "usage", "people", "keys", "webhooks", "admin", "meta")
_CONVERTOR = re.compile(r"{(\w+)(:\w+)?}")
KEY_ERRORS = {
    "401": error("Unauthorized"),
    "403": error("Forbidden"),
    "422": error("Unprocessable"),
    "429": error("RateLimited"),
}
OPERATOR_ERRORS = {
    "401": error("OperatorUnauthorized"),
    "404": error("OperatorOff"),
    "413": error("PayloadTooLarge"),
    "415": error("UnsupportedMediaType"),
    "422": error("Unprocessable"),
}
IGNORED_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": STRING,
    "description": "Accepted but not honoured on operator routes (keys are kept per tenant).",
}


def spec(routes: list[BaseRoute]) -> dict:
    """The OpenAPI 3.1 document of an app with these routes (a fresh copy: callers may change it)."""
    paths: dict[str, dict] = {}
    for method, path, route in _http_routes(routes):
        declared = operation_of(route.endpoint)
        if declared is not None:
            paths.setdefault(path, {})[method.lower()] = _operation(declared, path)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "clipstream API",
            "version": __version__,
            "description": "Long videos in; ranked, reframed, captioned clips out. Every error is "
            '`{"error": {"code", "message"}}`; every tenant key has a request rate '
            "(429 with `Retry-After`).",
        },
        "security": [{"apiKey": []}],
        "tags": [{"name": n} for n in TAGS],
        "paths": paths,
        "webhooks": webhooks(),
        "components": components(),
    }


def undocumented(routes: list[BaseRoute]) -> list[tuple[str, str]]:
    """(METHOD, path) of the HTTP routes whose handler declares no operation, sorted."""
    return sorted((m, p) for m, p, route in _http_routes(routes) if operation_of(route.endpoint) is None)


def _http_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, Route]]:
    """(METHOD, path template, route) of every HTTP route, mounted routers included; static file
    mounts have none."""
    for route in routes:
        path = prefix + _CONVERTOR.sub(r"{\1}", getattr(route, "path", ""))
        if isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, path, route
        elif isinstance(route, Mount | Host) and route.routes:
            yield from _http_routes(route.routes, path)


def _operation(declared: Operation, path: str) -> dict:
    op: dict[str, object] = {"operationId": declared.operation_id, "summary": declared.summary, "tags": [declared.tag]}
    parameters = [path_param(name, declared.path_params.get(name, "")) for name, _ in _CONVERTOR.findall(path)]
    parameters += declared.parameters
    description = declared.description
    errors: dict[str, dict] = {}
    if declared.operator:
        op["security"] = [{"adminToken": []}]
        parameters.append(IGNORED_IDEMPOTENCY_KEY)
        errors = dict(OPERATOR_ERRORS)
    elif declared.scope is None:
        op["security"] = []
    else:
        description = f"{description}\n\nNeeds a key with scope `{declared.scope}` or above.".strip()
        errors = dict(KEY_ERRORS)
        if declared.signed:
            op["security"] = [{"apiKey": []}, {"signedLink": []}]
    if declared.body is not None:
        if not declared.operator:
            errors |= {"413": error("PayloadTooLarge"), "415": error("UnsupportedMediaType")}
        op["requestBody"] = declared.body
    if declared.idempotent:
        parameters.append(IDEMPOTENCY)
        errors |= {"409": error("Conflict"), "413": error("PayloadTooLarge")}
    # The input guard (``api.inputs``) answers 422 ``invalid_input`` before routing to any path or
    # query string holding a NUL byte or bytes that are not UTF-8: public operations included.
    errors.setdefault("422", error("Unprocessable"))
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    op["responses"] = {**errors, **declared.responses}
    return op
