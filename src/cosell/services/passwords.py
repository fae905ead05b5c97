"""Password hashing (argon2id) and API token hashing.

`verify_password` does one argon2 verify whatever it is given: without a stored hash
(an unknown email, a user without a password) it verifies against a hash of a random
string made once per process, so the time a sign-in takes does not tell whether the
email has an account.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def _nobody_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(24))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`; always False without a hash, after
    the same work."""
    try:
        return _hasher.verify(password_hash or _nobody_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A password to give to a person once (about 96 random bits)."""
    return secrets.token_urlsafe(12)


def new_token() -> tuple[str, str]:
    """A new API token and the hash stored for it (tokens are long and random, so
    a fast hash suffices; the plain token is shown once)."""
    token = "cs_" + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
