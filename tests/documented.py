"""Whether what the API sends has the shape its own OpenAPI document promises, checked with
jsonschema (OpenAPI 3.1's schemas are JSON Schema 2020-12): an answer against a component schema
of ``GET /openapi.json``, for answers that need a state the fuzz (``test_openapi``) cannot make (a
month of use, a Stripe customer with a subscription), and a webhook's body against the document's
``webhooks``."""

from __future__ import annotations

from functools import lru_cache

from jsonschema import Draft202012Validator, FormatChecker

from api import openapi
from api.app import ROUTES


@lru_cache(maxsize=1)
def _document() -> dict:
    return openapi.spec(ROUTES)


def _check(instance: dict, pointer: str, what: str) -> None:
    document = _document()
    root = {"$ref": pointer, "components": document["components"], "webhooks": document["webhooks"]}
    validator = Draft202012Validator(root, format_checker=FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, f"not a {what} as documented: {errors}"


def assert_documented(answer: dict, schema: str) -> None:
    """Fails, naming every mismatch, unless ``answer`` is a valid ``schema`` of the document."""
    _check(answer, f"#/components/schemas/{schema}", schema)


def assert_documented_webhook(payload: dict) -> None:
    """Fails unless ``payload`` (a webhook's body) is what the document says its ``type`` sends."""
    kind = payload.get("type")
    assert kind in _document()["webhooks"], f"no webhook {kind!r} is documented"
    _check(payload, f"#/webhooks/{kind}/post/requestBody/content/application~1json/schema", f"{kind} webhook")
