"""Secrets and signatures, as Standard Webhooks defines them.

A secret is ``whsec_`` + base64 of 24 to 64 random bytes (we make 32). A signature is
``v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">``; the
``webhook-signature`` header holds several, space-separated, while a rotated-out secret is still
in its grace period, so a receiver verifies with either its old or its new secret.

An endpoint's secrets are ``SigningSecret``s (``streams.domain.webhooks``), the current one first
(no ``expires_at``); ``rotated`` makes a rotation's list and ``active_secrets`` picks those that sign.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as random_bytes
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from streams.domain.webhooks import SigningSecret

PREFIX = "whsec_"
KEY_BYTES = 32
MIN_KEY_BYTES, MAX_KEY_BYTES = 24, 64
TOLERANCE_SECONDS = 5 * 60  # how far a receiver accepts a timestamp from its clock (replay guard)


def new_secret() -> str:
    return PREFIX + base64.b64encode(random_bytes.token_bytes(KEY_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key a secret encodes; ValueError if it is not ``whsec_<base64 of 24-64 bytes>``."""
    if not secret.startswith(PREFIX):
        raise ValueError(f"a webhook secret starts with {PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is base64 after its prefix") from None
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise ValueError(f"a webhook secret encodes {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes, not {len(key)}")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per secret, space-separated."""
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets)


def headers(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    msg_id: str,
    timestamp: int,
    body: bytes,
    header: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: True if a ``v1`` signature in ``header`` matches and the timestamp is
    within ``tolerance`` seconds of ``now``."""
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in header.split() if candidate.startswith("v1,"))


def active_secrets(entries: Sequence[SigningSecret], now: datetime) -> list[str]:
    """The secrets to sign with now: the current one and those still in their grace period."""
    return [e.secret for e in entries if e.signs_at(now)]


def rotated(entries: Sequence[SigningSecret], new: str, now: datetime, grace: timedelta) -> list[SigningSecret]:
    """The secrets after a rotation: ``new`` current, the previous current valid for ``grace``
    more, already expired ones dropped."""
    kept = [
        SigningSecret(e.secret, e.created_at, now + grace if e.expires_at is None else e.expires_at) for e in entries
    ]
    return [SigningSecret(new, now), *(e for e in kept if e.signs_at(now))]
