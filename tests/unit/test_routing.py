"""A route's declaration (api.routing) is what the API enforces and what the OpenAPI document says:
the scope it declares is checked before its handler runs, and the document is built from the routes."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from api import openapi
from api.app import ROUTES
from api.auth import caller
from api.errors import ApiError
from api.openapi.blocks import json_response
from api.routing import operation, operation_of, post
from streams.tenancy import Principal

ANSWER = {"200": json_response("Health", "Fine.")}


def _request(scope: str | None) -> Request:
    state = {"principal": Principal("t1", "k1", scope)} if scope else {}
    return Request({"type": "http", "method": "POST", "path": "/x", "headers": [], "state": state})


@post("makeThing", "Make a thing", ANSWER, scope="write", tag="videos")
async def make_thing(request: Request) -> JSONResponse:
    return JSONResponse({"tenant": caller(request).tenant_id})


@operation("openThing", "An open thing", ANSWER, tag="meta")
async def open_thing(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def test_a_key_with_less_than_the_declared_scope_is_refused_before_the_handler_runs():
    with pytest.raises(ApiError) as refused:
        asyncio.run(make_thing(_request("read")))
    assert refused.value.status == 403 and "needs 'write'" in refused.value.message
    with pytest.raises(ApiError) as anonymous:
        asyncio.run(make_thing(_request(None)))
    assert anonymous.value.status == 401


@pytest.mark.parametrize("scope", ["write", "admin"])
def test_a_key_with_the_declared_scope_or_more_reaches_the_handler(scope):
    response = asyncio.run(make_thing(_request(scope)))
    assert response.status_code == 200 and response.body == b'{"tenant":"t1"}'


def test_an_open_operation_is_not_guarded():
    assert asyncio.run(open_thing(_request(None))).status_code == 200


def test_the_document_is_built_from_the_routes_it_is_given():
    routes = [
        Route("/v1/things/{thing_id}", make_thing, methods=["POST"]),
        Mount("/v1/nested", routes=[Route("/open", open_thing, methods=["GET"])]),
        Route("/v1/undeclared", lambda request: JSONResponse({}), methods=["GET"]),
    ]
    paths = openapi.spec(routes)["paths"]
    assert set(paths) == {"/v1/things/{thing_id}", "/v1/nested/open"}
    made = paths["/v1/things/{thing_id}"]["post"]
    assert made["parameters"][0] == {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}
    assert made["parameters"][-1] == {"$ref": "#/components/parameters/IdempotencyKey"}
    assert {"401", "403", "409", "413", "422", "429"} <= set(made["responses"])
    assert "Needs a key with scope `write`" in made["description"]
    assert paths["/v1/nested/open"]["get"]["security"] == []
    assert openapi.undocumented(routes) == [("GET", "/v1/undeclared")]


def test_every_tenant_route_of_the_app_is_guarded_by_the_scope_it_documents():
    for route in ROUTES:
        declared = operation_of(getattr(route, "endpoint", None))
        if declared is None or declared.scope is None:
            continue
        with pytest.raises(ApiError) as refused:
            asyncio.run(route.endpoint(_request(None)))
        assert refused.value.status == 401, declared.operation_id
        if declared.scope != "read":
            with pytest.raises(ApiError) as too_small:
                asyncio.run(route.endpoint(_request("read")))
            assert too_small.value.status == 403, declared.operation_id


def test_the_app_serves_the_document_built_from_its_routes_and_keeps_it():
    import json

    from starlette.applications import Starlette

    from api import docs

    app = Starlette(routes=ROUTES)
    request = Request({"type": "http", "method": "GET", "path": "/openapi.json", "headers": [], "app": app})
    first = asyncio.run(docs.openapi_json(request))
    assert first.status_code == 200 and json.loads(first.body) == openapi.spec(ROUTES)
    assert asyncio.run(docs.openapi_json(request)).body is first.body  # made once per app
