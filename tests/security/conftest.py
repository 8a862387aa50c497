"""The security tests share the session's stack and its two tenants (``tests/conftest.py``), and
the headless Chromium of the web tests."""

from tests.web.conftest import artifacts, chromium  # noqa: F401 - fixtures, used by name


def fresh_key(pipeline, scope: str = "admin") -> str:
    """A new key of the local tenant: a test that sends many requests spends its own rate-limit
    burst, not the session client's."""
    from streams import tenancy
    from tests.owner import as_owner

    return as_owner(pipeline.settings, lambda pool: tenancy.create_key(pool, pipeline.tenant_id, scope)).key
