"""Scope x route, replays included: a key whose scope is below a route's declared one gets that
route's 403 on every route (generated from the declarations), and an ``Idempotency-Key`` never
lets it past: repeating a bigger key's request with the same key and body is a 403, not the
stored answer, and a smaller key's refusal is never replayed to a bigger one."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from starlette.routing import Route

from api.app import create_app
from api.routing import operation_of
from streams import tenancy
from streams.tenancy import SCOPES
from tests.owner import as_owner

pytestmark = pytest.mark.integration


def _key(settings, tenant_id: str, scope: str) -> str:
    return as_owner(settings, lambda pool: tenancy.create_key(pool, tenant_id, scope)).key


def _client(pipeline, key: str) -> httpx.Client:
    return httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def keys(pipeline, tenant_b) -> dict[str, str]:
    """Fresh keys of every scope for each test, so no test spends another's rate-limit burst."""
    return {scope: _key(pipeline.settings, tenant_b["tenant_id"], scope) for scope in SCOPES}


def _declared(settings):
    """(method, path template, scope, idempotent) of every route that declares a scope."""
    for route in create_app(settings).routes:
        declared = operation_of(getattr(route, "endpoint", None))
        if isinstance(route, Route) and declared is not None and declared.scope is not None:
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route.path, declared.scope, declared.idempotent


def _filled(path: str) -> str:
    """Any id will do: the scope is checked before the route looks for it."""
    return re.sub(r"{\w+(?::\w+)?}", "x" + uuid.uuid4().hex[:12], path)


def test_a_smaller_key_gets_403_on_every_route_that_needs_more(pipeline, keys):
    checked = []
    for method, path, needed, _ in _declared(pipeline.settings):
        for scope in SCOPES[: SCOPES.index(needed)]:
            with _client(pipeline, keys[scope]) as c:
                body = {} if method in ("POST", "PATCH", "PUT") else None
                answer = c.request(method, _filled(path), json=body)
            assert answer.status_code == 403, f"{scope} key, {method} {path}: {answer.status_code} {answer.text[:200]}"
            assert answer.json()["error"]["code"] == "forbidden"
            checked.append((scope, method, path))
    assert len({(m, p) for _, m, p in checked}) >= 10, checked


def test_idempotent_replays_never_skip_the_scope(pipeline, keys):
    """Finding 3 of issue 47: a read key repeating an admin's POST /v1/keys with the same
    Idempotency-Key and body received the new key's secret."""
    idempotent = [(m, p, s) for m, p, s, i in _declared(pipeline.settings) if i and s != "read"]
    assert ("POST", "/v1/keys", "admin") in idempotent
    bodies = {"/v1/keys": {"scope": "read", "name": "replayed"}}
    for method, path, needed in idempotent:
        body = bodies.get(path, {})
        target = path if "{" not in path else _filled(path)
        for smaller in SCOPES[: SCOPES.index(needed)]:
            # The bigger key first: its answer is stored, and the smaller one must not get it.
            shared = f"replay-{uuid.uuid4().hex}"
            with _client(pipeline, keys[needed]) as big, _client(pipeline, keys[smaller]) as small:
                first = big.request(method, target, json=body, headers={"Idempotency-Key": shared})
                again = small.request(method, target, json=body, headers={"Idempotency-Key": shared})
                assert again.status_code == 403, f"{smaller} replayed {method} {path}: {again.text[:300]}"
                assert "idempotent-replayed" not in again.headers
                if path == "/v1/keys":
                    assert first.status_code == 201 and "key" not in again.json()
                    assert first.json()["key"] not in again.text
                # The smaller key first: its 403 is not stored for the bigger one to be told.
                other = f"replay-{uuid.uuid4().hex}"
                refused = small.request(method, target, json=body, headers={"Idempotency-Key": other})
                served = big.request(method, target, json=body, headers={"Idempotency-Key": other})
                assert refused.status_code == 403
                assert served.status_code != 403 and "idempotent-replayed" not in served.headers, served.text
                # And the bigger key's own retry is still a replay of its own answer.
                retried = big.request(method, target, json=body, headers={"Idempotency-Key": other})
                assert retried.status_code == served.status_code and retried.headers["idempotent-replayed"] == "true"
