"""The API describes itself truthfully: ``/openapi.json`` is valid OpenAPI 3.1, built from the routes'
declarations (every route declares its operation), and the running API answers as it says -- checked by schemathesis, operation by
operation and along the document's links, as a tenant of its own (its random writes touch no other
test's data).

Server-Sent Events routes never end, so schemathesis leaves them out; the operator routes answer
404 here (the session's API has no admin token), which is documented and checked like any answer.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import docs, openapi
from api.app import ROUTES, create_app
from streams import tenancy
from streams.adapters.db import create_pool
from streams.settings import Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# The fuzz runs against an API whose per-key rate (``rate_limit_per_second``, 20 by default) is
# far above what one client sends (``unthrottled``), so the run tests the API, not 429s, and is
# not held to the default rate: its 3,000-odd calls took 210 s at 15 a second.
UNTHROTTLED = 1000
FUZZ = settings(max_examples=10, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
STATEFUL = settings(max_examples=25, stateful_step_count=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _operations(document: dict):
    """(method, path, operation) of every operation in ``document``."""
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in openapi.HTTP_METHODS:
                yield method, path, op


def _status_codes(op: dict) -> set[str]:
    return set(op["responses"])


# Server-Sent Events: a response that never ends.
STREAMS = [op["operationId"] for _, _, op in _operations(openapi.spec(ROUTES))
           if "text/event-stream" in op["responses"].get("200", {}).get("content", {})]


# -- the document itself -------------------------------------------------------------------------
def test_the_spec_is_valid_openapi_3_1():
    document = openapi.spec(ROUTES)
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_declares_its_operation_once():
    app = create_app(Settings.from_env())
    assert openapi.undocumented(app.routes) == [], "these handlers declare no operation (api.routing)"
    ids = [op["operationId"] for _, _, op in _operations(openapi.spec(app.routes))]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_error_answer_is_the_error_envelope():
    document = openapi.spec(ROUTES)
    for method, path, op in _operations(document):
        for status, response in op["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]] \
                if "$ref" in response else response
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, \
                (method, path, status)


def test_every_tenant_operation_documents_auth_rate_limit_and_posts_their_idempotency_key():
    for method, path, op in _operations(openapi.spec(ROUTES)):
        if op.get("security") == []:
            continue
        if path.startswith("/v1/admin/"):
            assert op["security"] == [{"adminToken": []}] and {"401", "404"} <= _status_codes(op), path
            continue
        assert {"401", "403", "429"} <= _status_codes(op), (method, path)
        if method == "post":
            assert any(p.get("$ref", "").endswith("/IdempotencyKey") for p in op.get("parameters", [])), path
            assert {"409", "413", "422"} <= _status_codes(op), path


def test_uploads_document_every_option_field_with_the_event_schema():
    from api.upload_form import OPTION_FIELDS

    op = openapi.spec(ROUTES)["paths"]["/v1/videos"]["post"]
    form = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert set(form["properties"]) == {"file", "options", *OPTION_FIELDS}
    assert form["properties"]["clip_count"]["maximum"] == 50  # from schemas/events/upload_received.schema.json
    assert op["responses"]["202"]["links"]["video"]["parameters"] == {"video_id": "$response.body#/video_id"}


# -- the running API ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fuzz_key(pipeline) -> str:
    """The admin key of a tenant made for this module alone."""

    async def make() -> str:
        pool = await create_pool(pipeline.settings.postgres_dsn, min_size=1, max_size=2)
        try:
            _, key = await tenancy.create_tenant(pool, "openapi fuzz")
            return key.key
        finally:
            await pool.close()

    return asyncio.run(make())


@pytest.fixture(scope="module")
def unthrottled(pipeline):
    """The session's API swapped, for the fuzz, for one on the same port and stack whose keys may
    send ``UNTHROTTLED`` requests a second (the rate limit itself: test_tenancy.py)."""
    with pipeline.swapped("api", pipeline.settings.with_overrides(rate_limit_per_second=float(UNTHROTTLED),
                                                                   rate_limit_burst=UNTHROTTLED)):
        yield pipeline


@pytest.fixture(scope="module")
def fuzz_target(unthrottled, fuzz_key, identity_provider, stripe_mock) -> Iterator[dict]:
    """What every schemathesis call sends: the session's API and the fuzz tenant's key. The OpenID
    provider and stripe-mock the API is configured with are running, so single sign-on and billing
    answer as they do in service (an unreachable one is a 5xx, which schemathesis counts a failure)."""
    target = {"base_url": unthrottled.settings.api_url, "headers": {"Authorization": f"Bearer {fuzz_key}"}}
    yield target
    _drop_queued_uploads(target)


def _drop_queued_uploads(target: dict) -> None:
    """Delete the fuzz tenant's videos still queued: the fuzz's accepted uploads (some 380 of random
    bytes) would otherwise hold the session's worker for a minute into the next modules, each
    failing at ingest. A deleted video's messages are skipped."""
    with httpx.Client(base_url=target["base_url"], headers=target["headers"], timeout=30) as http:
        while True:
            page = http.get("/v1/videos", params={"status": "queued", "limit": 100}).json()["videos"]
            if not page:
                return
            for video in page:
                assert http.delete(f"/v1/videos/{video['video_id']}").status_code in (204, 404)


@pytest.mark.integration
def test_the_api_serves_its_spec_and_docs_page(pipeline):
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=30) as http:
        assert http.get("/openapi.json").json() == openapi.spec(ROUTES)
        page = http.get("/docs")
        if docs.assets_installed():
            assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
            assert "script-src 'self'" in page.headers["content-security-policy"]
            asset = http.get("/docs/assets/swagger-ui-bundle.js")
            assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
        else:
            assert page.status_code == 503 and "scripts/setup.sh" in page.json()["error"]["message"]
        assert http.get("/docs/assets/index.html").status_code == 404  # the package's demo page is not served


@pytest.mark.integration
def test_the_input_guards_422_is_documented_on_every_operation(pipeline):
    """The input guard (``api.inputs``) refuses a query string holding a NUL byte before any route,
    so every operation, public ones (the sign-on callbacks, the health check) included, can answer
    422; schemathesis found the callbacks documenting 303 alone."""
    document = openapi.spec(ROUTES)
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=30) as http:
        for path in ("/healthz", "/v1/sign-on/callback", "/v1/accounts/callback"):
            answer = http.get(path, params={"state": "\x00"})
            assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_input", path
    for method, path, op in _operations(document):
        assert "422" in op["responses"], (method, path)


# The document the API serves (test_the_api_serves_its_spec_and_docs_page checks they are equal),
# loaded here so that pytest collects one test per operation.
schema = schemathesis.openapi.from_dict(openapi.spec(ROUTES)).exclude(operation_id=STREAMS)
schema.config.update(request_timeout=30)
# The key is sent by the test; generated Authorization headers would only exercise the 401.
schema.config.generation.update(with_security_parameters=False)


def _fresh_idempotency_key(case) -> None:
    """Make a generated Idempotency-Key unique: Hypothesis favours a few short strings, and every
    reuse with other parameters is the same 422 (tests/pipeline/test_tenancy.py covers those)."""
    key = (case.headers or {}).get("Idempotency-Key")
    if key and len(key) <= 200:
        case.headers["Idempotency-Key"] = f"{key}-{uuid.uuid4().hex}"


@pytest.mark.integration
@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_every_operation_answers_as_documented(case, fuzz_target):
    _fresh_idempotency_key(case)
    response = case.call(**fuzz_target)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.integration
@pytest.mark.slow
def test_linked_operations_answer_as_documented(fuzz_target):
    class Links(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            _fresh_idempotency_key(case)
            return fuzz_target

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    Links.run(settings=STATEFUL)
