"""Connecting a platform account: the OAuth 2.0 authorization-code flow with PKCE (RFC 7636,
``S256``), as Google documents it for web server apps
(https://developers.google.com/identity/protocols/oauth2/web-server), and TikTok's Login Kit for web
with its own names (https://developers.tiktok.com/doc/login-kit-web, ``client_key``).

``begin`` makes the consent page's address for a new random ``state`` and PKCE verifier (kept
server-side, ``account_connections``); the platform sends the browser back to the callback with a
``code``, which ``exchange`` trades, with the verifier, for the grant (``access_type=offline`` and
``prompt=consent`` ask for a refresh token every time, so an account connected again gets one).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx

from streams.domain.pkce import challenge, new_verifier
from streams.errors import AccountReconnectRequired, PublishError
from streams.publish.tokens import Grant

STATE_SECONDS = 600  # a connection not finished in ten minutes is forgotten
GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TIKTOK_AUTH_URL = "https://www.tiktok.com/v2/auth/authorize/"  # Login Kit for web


@dataclass(frozen=True)
class OAuthClient:
    """A platform's OAuth client: its id and secret, consent page, token endpoint and scopes;
    ``id_param`` is what the platform calls the client's id (TikTok: ``client_key``) and
    ``scope_separator`` how it joins scopes (TikTok: a comma)."""

    client_id: str
    client_secret: str
    auth_url: str
    token_url: str
    scopes: tuple[str, ...]
    ca_certs: str | None = None
    id_param: str = "client_id"
    scope_separator: str = " "


@dataclass(frozen=True)
class Started:
    """A connection begun: where to send the person (``url``), its ``state`` and PKCE ``verifier``."""

    url: str
    state: str
    verifier: str


def begin(client: OAuthClient, redirect_uri: str) -> Started:
    state = secrets.token_urlsafe(32)
    verifier = new_verifier()
    query = {
        client.id_param: client.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": client.scope_separator.join(client.scopes),
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": state,
        "code_challenge": challenge(verifier),
        "code_challenge_method": "S256",
    }
    return Started(f"{client.auth_url}?{urlencode(query)}", state, verifier)


async def exchange(client: OAuthClient, code: str, redirect_uri: str, verifier: str, timeout: float = 30.0) -> Grant:
    """The grant a callback's ``code`` stands for. AccountReconnectRequired when the platform
    refuses the code (used, expired, another verifier); PublishError when it cannot be reached."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        client.id_param: client.client_id,
        "client_secret": client.client_secret,
        "code_verifier": verifier,
    }
    try:
        async with httpx.AsyncClient(timeout=timeout, verify=client.ca_certs or True) as http:
            answer = await http.post(client.token_url, data=form)
    except httpx.HTTPError as exc:
        raise PublishError(f"the platform's token endpoint could not be reached: {exc}", retriable=True) from None
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if answer.status_code != 200 or "access_token" not in body:
        reason = body.get("error_description") or body.get("error") or f"HTTP {answer.status_code}"
        if answer.status_code >= 500:
            raise PublishError(f"the platform's token endpoint failed: {reason}", retriable=True)
        raise AccountReconnectRequired(f"the platform refused the connection: {reason}; connect the account again")
    expires = body.get("expires_in")
    return Grant(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token"),
        expires_at=datetime.now(UTC) + timedelta(seconds=int(expires)) if expires else None,
        scopes=tuple(str(body.get("scope", "")).replace(",", " ").split()) or client.scopes,
        user_id=str(body["open_id"]) if body.get("open_id") else None,
    )
