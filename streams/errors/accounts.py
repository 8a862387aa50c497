"""Errors of tenants, keys, people, sign-on, plans and billing.
``streams.errors`` draws the whole tree."""

from __future__ import annotations

from streams.errors.base import ClipstreamError


class TenantNotFound(ClipstreamError):
    """No tenant has that id (``clipstream tenants``, the admin API)."""

    code = "tenant_not_found"


class InvalidScope(ClipstreamError):
    """An API key's scope must be one of ``tenancy.SCOPES``."""

    code = "invalid_scope"


class InvalidRole(InvalidScope):
    """A member's role must be one of ``people.roles.ROLES``."""

    code = "invalid_role"


class WeakPassword(ClipstreamError):
    """A password shorter than ``people.passwords.MIN_LENGTH`` (or absurdly long)."""

    code = "weak_password"


class SignOnFailed(ClipstreamError):
    """Single sign-on did not prove who the person is: the provider refused or answered with an ID
    token that does not check out (signature, issuer, audience, expiry, nonce), or the sign-in it
    answers was not started here or was used before."""

    code = "sign_on_failed"


class SignOnUnavailable(SignOnFailed):
    """The OpenID provider could not be reached or answered with an error of its own."""

    code = "sign_on_unavailable"
    retriable = True


class PlanQuotaExceeded(ClipstreamError):
    """The workspace's plan does not allow this (its monthly source minutes, its videos at once, its
    longest source): ``details`` says what is used, what is left and when it resets."""

    code = "quota_exceeded"

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class BillingError(ClipstreamError):
    """Stripe refused a billing request (a bad price, an unknown customer, a meter event too old)."""

    code = "billing_failed"


class BillingUnavailable(BillingError):
    """Stripe could not be reached or failed on its side."""

    code = "billing_unavailable"
    retriable = True
