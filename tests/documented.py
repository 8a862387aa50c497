"""Whether an answer the API gave has the shape its own OpenAPI document promises: a component
schema of ``GET /openapi.json`` checked with jsonschema (OpenAPI 3.1's schemas are JSON Schema
2020-12). For answers that need a state the fuzz (``test_openapi``) cannot make, such as a month
of use or a Stripe customer with a subscription."""

from __future__ import annotations

from functools import lru_cache

from jsonschema import Draft202012Validator, FormatChecker

from api import openapi
from api.app import ROUTES


@lru_cache(maxsize=1)
def _components() -> dict:
    return openapi.spec(ROUTES)["components"]


def assert_documented(answer: dict, schema: str) -> None:
    """Fails, naming every mismatch, unless ``answer`` is a valid ``schema`` of the document."""
    validator = Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": _components()}, format_checker=FormatChecker()
    )
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(answer)]
    assert not errors, f"not a {schema} as documented: {errors}"
