"""Signed links: short-lived URLs that a browser can load without an ``Authorization`` header
(``<video src>``, ``<track>``, ``EventSource``).

A link carries ``token=<tenant>.<key_id>.<expires>.<signature>``, the signature an HMAC-SHA256 of
the path, the rest of the query, tenant, key and expiry under the API's signing secret
(``url_signing_secret``; a random one per process when unset, so with several API replicas set
it). It grants ``read`` on that one URL until it expires, and stops working when its key is
revoked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote, unquote

from streams.tenancy import Principal

TOKEN = "token"
TTL_SECONDS = 3600


def new_secret() -> bytes:
    return secrets.token_bytes(32)


def _mac(secret: bytes, path: str, query: str, tenant: str, key_id: str, expires: int) -> str:
    message = "\n".join((path, query, tenant, key_id, str(expires))).encode()
    return base64.urlsafe_b64encode(hmac.new(secret, message, hashlib.sha256).digest()[:24]).decode()


def sign(
    secret: bytes, principal: Principal, path: str, query: str = "", ttl: int = TTL_SECONDS, now: float | None = None
) -> str:
    """``path?query&token=...``: the link, valid for ``ttl`` seconds."""
    expires = int((time.time() if now is None else now) + ttl)
    mac = _mac(secret, path, query, principal.tenant_id, principal.key_id, expires)
    token = quote(f"{principal.tenant_id}.{principal.key_id}.{expires}.{mac}", safe="")
    return f"{path}?{query + '&' if query else ''}{TOKEN}={token}"


class LinkRefused(Exception):
    """A signed link that does not open its URL: ``code`` is ``link_invalid`` (not a link this API
    signed for this URL: altered, or cut) or ``link_expired`` (signed, but past its time)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


INVALID = LinkRefused("link_invalid", "this signed link is not valid for this URL; ask the API for a new one")


def verify(secret: bytes, path: str, raw_query: str, now: float | None = None) -> Principal:
    """The principal a signed link stands for (scope ``read``); :class:`LinkRefused` if it is not
    valid (the signature is checked first, so an altered expiry reads as invalid, not expired)."""
    query, sep, token = raw_query.rpartition(f"{TOKEN}=")
    if not sep or (query and not query.endswith("&")):
        raise INVALID
    query = query[:-1] if query else ""
    parts = unquote(token).split(".")
    if len(parts) != 4 or not (parts[2].isascii() and parts[2].isdigit()) or len(parts[2]) > 12:
        raise INVALID
    tenant, key_id, expires, mac = parts[0], parts[1], int(parts[2]), parts[3]
    if not hmac.compare_digest(mac.encode(), _mac(secret, path, query, tenant, key_id, expires).encode()):
        raise INVALID
    if expires < (time.time() if now is None else now):
        raise LinkRefused("link_expired", "this signed link has expired; ask the API for a new one")
    return Principal(tenant_id=tenant, key_id=key_id, scope="read")
