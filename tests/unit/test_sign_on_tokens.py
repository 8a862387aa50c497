"""The ID token checks of single sign-on (``streams.people.sign_on``), against a provider served
here over HTTP (its discovery document and key set): a token is accepted only when signed by the
provider's key with an asymmetric algorithm, issued by it, for this client, unexpired, with this
sign-in's nonce; a key the provider added since is fetched once; a discovery document naming
another issuer is a configuration error."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from streams.errors import ConfigError, SignOnFailed
from streams.people.sign_on import SignOn

CLIENT = "clipstream"


class Provider:
    """Discovery and keys on a free port; ``keys`` may change (rotation), ``issuer_said`` may lie."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "first"})
        self.keys = KeySet([self.key])
        self.key_fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the standard library's name
                if self.path.endswith("/.well-known/openid-configuration"):
                    body = {"issuer": provider.issuer_said, "authorization_endpoint": provider.issuer + "auth",
                            "token_endpoint": provider.issuer + "token", "jwks_uri": provider.issuer + "jwks"}
                elif self.path.endswith("/jwks"):
                    provider.key_fetches += 1
                    body = provider.keys.as_dict(private=False)
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.issuer_said = self.issuer
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, key=None, alg="RS256", **claims) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "sub": "person-1", "aud": CLIENT, "iat": now, "exp": now + 300,
                   "nonce": "the-nonce", "email": "ann@example.org", "email_verified": True, "name": "Ann"}
        payload.update(claims)
        key = key or self.key
        return jwt.encode({"alg": alg, "kid": key.kid}, {k: v for k, v in payload.items() if v is not None}, key)


@pytest.fixture
def provider():
    served = Provider()
    yield served
    served.server.shutdown()


def check(provider: Provider, token: str, nonce: str = "the-nonce"):
    client = SignOn(provider.issuer, CLIENT, "secret", "http://127.0.0.1/v1/sign-on/callback")
    return asyncio.run(client.identity(token, nonce))


def test_a_token_signed_by_the_provider_for_this_sign_in_names_the_person(provider):
    who = check(provider, provider.token())
    assert (who.issuer, who.subject, who.email, who.email_verified, who.name) == \
        (provider.issuer, "person-1", "ann@example.org", True, "Ann")
    assert check(provider, provider.token(email_verified=None)).email_verified is False  # only a true says so


@pytest.mark.parametrize("claims, reason", [
    ({"aud": "another-client"}, "another client"),
    ({"aud": [CLIENT, "another-client"]}, "other audiences"),
    ({"nonce": "another sign-in's nonce"}, "nonce"),
    ({"nonce": None}, "nonce"),
    ({"iss": "http://127.0.0.1:1/"}, "iss"),
    ({"exp": int(time.time()) - 3600}, "exp"),
    ({"sub": None}, "sub"),
])
def test_a_token_for_another_client_sign_in_or_issuer_or_expired_is_refused(provider, claims, reason):
    with pytest.raises(SignOnFailed, match=reason):
        check(provider, provider.token(**claims))


def test_a_token_signed_with_a_key_the_provider_never_published_or_a_shared_secret_is_refused(provider):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "first"})
    with pytest.raises(SignOnFailed, match="signature"):
        check(provider, provider.token(key=stranger))
    secret = OctKey.generate_key(256, parameters={"kid": "first"})
    with pytest.raises(SignOnFailed, match="signature"):
        check(provider, provider.token(key=secret, alg="HS256"))
    header = json.dumps({"alg": "none"}).encode()
    import base64

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    unsigned = f"{b64(header)}.{b64(json.dumps({'iss': provider.issuer, 'aud': CLIENT}).encode())}."
    with pytest.raises(SignOnFailed):
        check(provider, unsigned)


def test_a_key_the_provider_added_since_is_fetched_once(provider):
    client = SignOn(provider.issuer, CLIENT, "secret", "http://127.0.0.1/v1/sign-on/callback")
    assert asyncio.run(client.identity(provider.token(), "the-nonce")).subject == "person-1"
    assert provider.key_fetches == 1
    rotated = RSAKey.generate_key(2048, parameters={"kid": "second"})
    provider.keys = KeySet([provider.key, rotated])
    assert asyncio.run(client.identity(provider.token(key=rotated), "the-nonce")).subject == "person-1"
    assert provider.key_fetches == 2
    assert asyncio.run(client.identity(provider.token(), "the-nonce")).subject == "person-1"
    assert provider.key_fetches == 2  # kept


def test_a_discovery_document_naming_another_issuer_is_a_configuration_error(provider):
    provider.issuer_said = "https://login.example.com/"
    with pytest.raises(ConfigError, match="CLIPSTREAM_OIDC_ISSUER"):
        check(provider, provider.token())
