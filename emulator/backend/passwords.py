"""Password hashes for the `/device` sign-in page (PBKDF2-SHA256)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

_ITERATIONS = 60_000
# Seeded accounts share one precomputed hash (fixed salt) so a reset stays fast.
_SEED_SALT = "emulator-demo-seed"


def hash_password(password: str, *, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${salt}${digest.hex()}"


@functools.cache
def seed_password_hash(password: str) -> str:
    return hash_password(password, salt=_SEED_SALT)


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        algorithm, iterations, salt, expected = stored.split("$")
    except ValueError:
        return False
    if algorithm != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(digest.hex(), expected)
