"""Single sign-on: OpenID Connect's authorization code flow against the team's own provider.

The person is sent to the provider's authorization endpoint with a one-time ``state`` (naming the
sign-in this API started), a ``nonce`` (bound into the ID token) and a PKCE challenge (RFC 7636,
S256); the provider sends them back with a code, which is exchanged at its token endpoint with
the client's secret. The ID token that comes back is checked with joserfc (the JOSE library of
Authlib's author): signed by a key of the provider's published set (RS256 or ES256; ``none`` and
HMAC are refused), issued by the configured issuer, for this client, not expired, with the nonce
of this sign-in. Who it proves is ``(iss, sub)``, with the email and whether the provider has
verified it; ``streams.people.store.sign_on_user`` matches that to a member.

The provider's discovery document and key set are read on first use and kept; an ID token signed
with a key not in the kept set makes the set be read again once (the provider rotated its keys).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from streams.domain.pkce import challenge, new_verifier
from streams.errors import ConfigError, SignOnFailed, SignOnUnavailable

SCOPES = "openid email profile"
ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA"]
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class Started:
    """A sign-in under way: where to send the browser, and what to keep until it comes back."""

    url: str
    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class SignOn:
    """One configured provider and client; shared by the API's requests."""

    def __init__(
        self, issuer: str, client_id: str, client_secret: str, redirect_uri: str, *, timeout: float = 10.0
    ) -> None:
        if not issuer or not client_id or not client_secret:
            raise ConfigError(
                "single sign-on needs CLIPSTREAM_OIDC_ISSUER, CLIPSTREAM_OIDC_CLIENT_ID and CLIPSTREAM_OIDC_CLIENT_SECRET"
            )
        self.issuer, self.client_id, self.client_secret = issuer, client_id, client_secret
        self.redirect_uri = redirect_uri
        self.timeout = timeout
        self._provider: Provider | None = None
        self._keys: KeySet | None = None

    async def _get(self, url: str) -> dict:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                answer = await client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise SignOnUnavailable(f"the OpenID provider at {self.issuer} could not be reached: {exc}") from exc
        if answer.status_code != 200:
            raise SignOnUnavailable(f"the OpenID provider answered {answer.status_code} for {url}")
        try:
            body = answer.json()
        except ValueError as exc:
            raise SignOnUnavailable(f"the OpenID provider's {url} is not JSON") from exc
        if not isinstance(body, dict):
            raise SignOnUnavailable(f"the OpenID provider's {url} is not a JSON object")
        return body

    async def provider(self) -> Provider:
        if self._provider is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            found = await self._get(url)
            # OpenID Connect Discovery 1.0, section 4.3: the document names the issuer asked for
            if found.get("issuer") != self.issuer:
                raise ConfigError(
                    f"the OpenID provider's discovery document names the issuer {found.get('issuer')!r}, "
                    f"not {self.issuer!r}: set CLIPSTREAM_OIDC_ISSUER to exactly the provider's issuer"
                )
            try:
                self._provider = Provider(
                    self.issuer, found["authorization_endpoint"], found["token_endpoint"], found["jwks_uri"]
                )
            except KeyError as exc:
                raise SignOnUnavailable(f"the OpenID provider's discovery document has no {exc}") from exc
        return self._provider

    async def start(self) -> Started:
        provider = await self.provider()
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), new_verifier()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": SCOPES,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge(verifier),
            "code_challenge_method": "S256",
        }
        joiner = "&" if "?" in provider.authorization_endpoint else "?"
        return Started(f"{provider.authorization_endpoint}{joiner}{urlencode(query)}", state, nonce, verifier)

    async def finish(self, code: str, verifier: str, nonce: str) -> Identity:
        """The identity the code proves, its ID token checked; raises ``SignOnFailed``."""
        provider = await self.provider()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                answer = await client.post(
                    provider.token_endpoint, data=form, auth=(self.client_id, self.client_secret)
                )
        except httpx.HTTPError as exc:
            raise SignOnUnavailable(f"the OpenID provider's token endpoint could not be reached: {exc}") from exc
        try:
            tokens = answer.json()
        except ValueError:
            tokens = {}
        if answer.status_code != 200 or not isinstance(tokens, dict):
            reason = tokens.get("error_description") or tokens.get("error") if isinstance(tokens, dict) else None
            raise SignOnFailed(f"the OpenID provider refused the code ({answer.status_code}: {reason or 'no reason'})")
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SignOnFailed("the OpenID provider answered without an ID token")
        return await self.identity(id_token, nonce)

    async def _key_set(self, refresh: bool) -> KeySet:
        if self._keys is None or refresh:
            found = await self._get((await self.provider()).jwks_uri)
            try:
                self._keys = KeySet.import_key_set(found)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise SignOnUnavailable(f"the OpenID provider's key set cannot be read: {exc}") from exc
        return self._keys

    async def identity(self, id_token: str, nonce: str) -> Identity:
        """Check ``id_token`` (OpenID Connect Core 1.0, section 3.1.3.7) and say whom it names."""
        try:
            token = jwt.decode(id_token, await self._key_set(refresh=False), algorithms=ALGORITHMS)
        except JoseError:  # perhaps signed with a key the provider has added since: read the set once more
            try:
                token = jwt.decode(id_token, await self._key_set(refresh=True), algorithms=ALGORITHMS)
            except (JoseError, ValueError) as exc:
                raise SignOnFailed(f"the ID token's signature does not check out: {exc}") from exc
        except ValueError as exc:
            raise SignOnFailed(f"the ID token cannot be read: {exc}") from exc
        claims = token.claims
        registry = jwt.JWTClaimsRegistry(
            now=int(time.time()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise SignOnFailed(f"the ID token does not check out: {exc}") from exc
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.client_id not in audiences:
            raise SignOnFailed("the ID token was issued for another client")
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise SignOnFailed("the ID token names other audiences and was not issued to this client")
        email = claims.get("email")
        return Identity(
            issuer=self.issuer,
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) and email else None,
            email_verified=claims.get("email_verified") is True,
            name=str(claims.get("name") or "")[:200],
        )
