"""Random tokens; only their SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import secrets

SESSION_COOKIE = "auth-session"
# Longer bearer values are no token of ours (ours are 43 characters).
MAX_TOKEN_LENGTH = 512


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_public_id() -> str:
    """A session's public ID: unrelated to its token."""
    return secrets.token_urlsafe(16)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
