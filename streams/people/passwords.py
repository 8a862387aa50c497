"""Passwords, hashed with Argon2id (``argon2-cffi``: memory-hard, RFC 9106's second recommended
parameters, 64 MiB and 3 passes). Hashing takes tens of milliseconds of CPU on purpose: call these
from a thread in async code."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from streams.errors import WeakPassword

MIN_LENGTH = 10
MAX_LENGTH = 1024
_hasher = PasswordHasher()
# Verified against when the email is unknown, so the answer takes as long as for a known one.
_DECOY = _hasher.hash("not anybody's password")


def check(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise WeakPassword(f"a password is {MIN_LENGTH} to {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check(password))


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (None: the user has none, or the
    email is unknown; the decoy is checked then, so both take the same time)."""
    try:
        return _hasher.verify(stored or _DECOY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
