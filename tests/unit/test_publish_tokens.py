"""Platform grants sealed at rest: nothing of a token is readable without a key, a changed byte is
refused, keys rotate, and a grant never shows its secrets in a repr or a log line."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from streams.errors import ConfigError, TokenUnreadable
from streams.publish.tokens import Grant, TokenCipher, new_key

GRANT = Grant("ya29.access-SECRET-one", "1//refresh-SECRET-two", datetime(2026, 12, 1, 12, tzinfo=UTC),
              ("https://www.googleapis.com/auth/youtube.upload",))


def test_a_sealed_grant_opens_to_itself_and_holds_no_readable_token():
    cipher = TokenCipher([new_key()])
    sealed = cipher.seal(GRANT)
    assert b"SECRET" not in sealed and b"ya29" not in sealed and b"refresh" not in sealed
    assert cipher.open(sealed) == GRANT
    assert cipher.seal(GRANT) != sealed  # a fresh IV each time: equal grants do not look equal


def test_without_the_key_or_with_a_changed_byte_nothing_opens():
    sealed = TokenCipher([new_key()]).seal(GRANT)
    with pytest.raises(TokenUnreadable, match="configured keys"):
        TokenCipher([new_key()]).open(sealed)
    cipher = TokenCipher([new_key()])
    sealed = bytearray(cipher.seal(GRANT))
    sealed[40] ^= 1
    with pytest.raises(TokenUnreadable):
        cipher.open(bytes(sealed))


def test_keys_rotate_new_first_then_the_old_one_dropped():
    old, new = new_key(), new_key()
    stored = TokenCipher([old]).seal(GRANT)
    both = TokenCipher.from_setting(f"{new}, {old}")
    assert both.open(stored) == GRANT
    resealed = both.rotate(stored)
    assert TokenCipher([new]).open(resealed) == GRANT
    with pytest.raises(TokenUnreadable):
        TokenCipher([old]).open(resealed)


def test_missing_or_malformed_keys_are_a_config_error_that_says_what_to_set():
    with pytest.raises(ConfigError, match="CLIPSTREAM_TOKEN_KEYS"):
        TokenCipher.from_setting("")
    with pytest.raises(ConfigError, match="Fernet keys"):
        TokenCipher(["not-a-key"])


def test_a_grant_never_shows_its_tokens(caplog):
    shown = repr(GRANT)
    assert "SECRET" not in shown and "expires_at" in shown
    with caplog.at_level(logging.INFO):
        logging.getLogger("clipstream.test").info("connected %s", GRANT)
    assert "SECRET" not in caplog.text
