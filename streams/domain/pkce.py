"""PKCE (RFC 7636): the proof that the party trading an authorization code is the one that asked
for it. Used by both OAuth flows here: connecting a platform account (``streams.publish.oauth``)
and signing a person in through their OpenID provider (``streams.people.sign_on``)."""

from __future__ import annotations

import base64
import hashlib
import secrets


def new_verifier() -> str:
    """A code verifier: 96 characters of the unreserved set (the RFC allows 43 to 128)."""
    return secrets.token_urlsafe(72)[:96]


def challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier``: base64url of its SHA-256, unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
