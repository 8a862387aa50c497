"""What an OAuth 2.0 server keeps for the stand-ins (``youtube``, ``tiktok``): access tokens with
their expiry, refresh tokens (revocable), and authorization codes bound to a redirect URI and a
PKCE S256 challenge (RFC 7636), each code good once. Thread-safe: the stand-ins serve from threads."""

from __future__ import annotations

import base64
import hashlib
import secrets
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path


class Grants:
    def __init__(self, access_prefix: str, refresh_prefix: str, token_seconds: int, scope: str = "") -> None:
        self.access_prefix, self.refresh_prefix = access_prefix, refresh_prefix
        self.token_seconds = token_seconds
        self.scope = scope  # what a grant made without consent (``grant``) may do
        self.access: dict[str, datetime] = {}  # access token -> expiry
        self.refresh: dict[str, bool] = {}  # refresh token -> still honoured
        self.scopes: dict[str, str] = {}  # refresh token -> the scope the person consented to
        self.granted_by: dict[str, str] = {}  # access token -> its refresh token
        self.codes: dict[str, tuple[str, str, str]] = {}  # code -> (redirect_uri, code_challenge, scope)
        self.refreshed = 0
        self._lock = threading.RLock()

    def grant(self, seconds: int | None = None, scope: str | None = None) -> tuple[str, str, datetime]:
        """A new grant, as the code exchange gives one: (access, refresh, expiry)."""
        with self._lock:
            refresh = self.refresh_prefix + secrets.token_urlsafe(24)
            self.refresh[refresh] = True
            self.scopes[refresh] = self.scope if scope is None else scope
            access = self._access(self.token_seconds if seconds is None else seconds, refresh)
            return access, refresh, self.access[access]

    def scope_of(self, authorization: str) -> str:
        """The scope granted to the access token of an ``Authorization: Bearer`` header."""
        token = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else ""
        with self._lock:
            return self.scopes.get(self.granted_by.get(token, ""), "")

    def revoke(self, refresh_token: str) -> None:
        with self._lock:
            self.refresh[refresh_token] = False

    def expire(self, access_token: str) -> None:
        with self._lock:
            self.access[access_token] = datetime.now(UTC) - timedelta(seconds=1)

    def authorized(self, authorization: str) -> bool:
        """Whether an ``Authorization: Bearer`` header carries a live access token."""
        token = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else ""
        with self._lock:
            expiry = self.access.get(token)
        return expiry is not None and expiry > datetime.now(UTC)

    def renew(self, refresh_token: str) -> str | None:
        """A new access token for an honoured refresh token; None for a revoked or unknown one."""
        with self._lock:
            if not self.refresh.get(refresh_token):
                return None
            self.refreshed += 1
            return self._access(self.token_seconds, refresh_token)

    def rotate(self, refresh_token: str) -> tuple[str, str] | None:
        """A new access token and a new refresh token for an honoured refresh token, which stops
        being honoured (a rotating server: TikTok); None for a revoked, used or unknown one."""
        with self._lock:
            if not self.refresh.get(refresh_token):
                return None
            self.refresh[refresh_token] = False
            rotated = self.refresh_prefix + secrets.token_urlsafe(24)
            self.refresh[rotated] = True
            self.scopes[rotated] = self.scopes.get(refresh_token, self.scope)
            self.refreshed += 1
            return self._access(self.token_seconds, rotated), rotated

    def issue_code(self, redirect_uri: str, challenge: str, scope: str | None = None) -> str:
        with self._lock:
            code = secrets.token_urlsafe(24)
            self.codes[code] = (redirect_uri, challenge, self.scope if scope is None else scope)
            return code

    def redeem(self, code: str, redirect_uri: str, verifier: str) -> tuple[str, str, datetime] | None:
        """The grant a code stands for (once), if the redirect URI and the PKCE verifier match."""
        with self._lock:
            bound, challenge, scope = self.codes.pop(code, ("", "", ""))
        made = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not bound or bound != redirect_uri or made != challenge:
            return None
        return self.grant(scope=scope)

    def _access(self, seconds: int, refresh: str) -> str:
        access = self.access_prefix + secrets.token_urlsafe(24)
        self.access[access] = datetime.now(UTC) + timedelta(seconds=seconds)
        self.granted_by[access] = refresh
        return access


class OAuthStandIn:
    """What both platform stand-ins are: an HTTPS server of their own (a certificate made per run,
    trusted through ``ca_certs``) answering with ``_respond`` under one lock, and the grants it
    keeps (``grant``, ``revoke``, ``expire``, ``refreshed``). ``with`` starts and stops it."""

    def __init__(self, name: str, access_prefix: str, refresh_prefix: str, token_seconds: int, scope: str = "") -> None:
        from tests.httpd import LocalServer
        from tests.standins.tls import local_tls

        self._folder = tempfile.TemporaryDirectory(prefix=f"standin-{name}-")
        tls, self.ca_certs = local_tls(Path(self._folder.name))
        self.grants = Grants(access_prefix, refresh_prefix, token_seconds, scope)
        self._lock = threading.Lock()
        self._server = LocalServer(self._respond, tls)

    def _respond(self, request, index: int):
        raise NotImplementedError

    def __enter__(self):
        self._server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._server.__exit__(*exc)
        self._folder.cleanup()

    @property
    def received(self):
        return self._server.received

    @property
    def refreshed(self) -> int:
        return self.grants.refreshed

    def grant(self, seconds: int | None = None, scope: str | None = None) -> tuple[str, str, datetime]:
        return self.grants.grant(seconds, scope)

    def revoke(self, refresh_token: str) -> None:
        self.grants.revoke(refresh_token)

    def expire(self, access_token: str) -> None:
        self.grants.expire(access_token)
