"""OAuth grants sealed at rest (pure: bytes in, bytes out).

A connected account's grant (its access token, refresh token, expiry and scopes) is stored only
sealed with Fernet from ``cryptography``: AES-128-CBC with an HMAC-SHA256 tag, so a changed byte is
refused, never decrypted to something else. The keys come from settings (``token_keys``: one or
more Fernet keys, comma-separated). The first key seals; every key opens, so a key is rotated by
putting a new one first, re-sealing the stored grants (``rotate``) and then dropping the old one.

A grant is never logged: ``Grant``'s ``repr`` shows which fields are set, not their values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from streams.errors import ConfigError, TokenUnreadable


@dataclass(frozen=True)
class Grant:
    """What a platform granted an account: ``access_token`` (expires at ``expires_at``, UTC),
    ``refresh_token`` (None where the platform gives none), the ``scopes`` granted and ``user_id``,
    the platform's id of the person who granted it where it says one (TikTok's ``open_id``, which
    its webhooks name an account by)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    user_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "scopes": list(self.scopes),
            "user_id": self.user_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Grant:
        expires = data.get("expires_at")
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.fromisoformat(expires).astimezone(UTC) if expires else None,
            scopes=tuple(data.get("scopes") or ()),
            user_id=data.get("user_id"),
        )


class TokenCipher:
    """Seals and opens grants with the configured keys (the first seals, all open)."""

    def __init__(self, keys: Sequence[str]) -> None:
        keys = [k.strip() for k in keys if k.strip()]
        if not keys:
            raise ConfigError(
                "no key to seal platform tokens with: set CLIPSTREAM_TOKEN_KEYS to one or more Fernet keys "
                "(python -m streams.publish.tokens new-key prints one)"
            )
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except ValueError:
            raise ConfigError(
                "CLIPSTREAM_TOKEN_KEYS must be Fernet keys (32 url-safe base64-encoded bytes each), comma-separated"
            ) from None

    @classmethod
    def from_setting(cls, value: str) -> TokenCipher:
        """From the ``token_keys`` setting (comma-separated keys)."""
        return cls(value.split(","))

    def seal(self, grant: Grant) -> bytes:
        return self._fernet.encrypt(json.dumps(grant.as_json(), separators=(",", ":")).encode())

    def open(self, sealed: bytes) -> Grant:
        """The grant ``sealed`` holds; TokenUnreadable when no configured key opens it."""
        try:
            return Grant.from_json(json.loads(self._fernet.decrypt(bytes(sealed))))
        except (InvalidToken, ValueError, KeyError, TypeError):
            raise TokenUnreadable(
                "a stored platform grant cannot be opened with the configured keys "
                "(the key that sealed it was removed, or the stored bytes were changed)"
            ) from None

    def rotate(self, sealed: bytes) -> bytes:
        """``sealed`` sealed again with the first key (it must open with one of the keys)."""
        try:
            return self._fernet.rotate(bytes(sealed))
        except InvalidToken:
            raise TokenUnreadable("a stored platform grant cannot be opened with the configured keys") from None


def new_key() -> str:
    """A fresh key for ``token_keys``."""
    return Fernet.generate_key().decode()


if __name__ == "__main__":  # python -m streams.publish.tokens new-key
    import sys

    if sys.argv[1:] != ["new-key"]:
        print("usage: python -m streams.publish.tokens new-key", file=sys.stderr)
        raise SystemExit(2)
    print(new_key())
