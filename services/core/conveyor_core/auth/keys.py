"""API key format and hashing. Keys carry 256 bits of randomness, so a plain SHA-256 digest is
a safe lookup key (no salt or slow hash needed, unlike passwords)."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

KEY_PREFIX = "cvk_"
KEY_RANDOM_BYTES = 32
DISPLAY_PREFIX_LENGTH = 12


class Scope(StrEnum):
    JOBS_READ = "jobs:read"
    JOBS_WRITE = "jobs:write"
    ADMIN = "admin"


DEFAULT_SCOPES = (Scope.JOBS_READ, Scope.JOBS_WRITE)


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """The part of a key safe to show in listings and logs."""
    return key[:DISPLAY_PREFIX_LENGTH]
