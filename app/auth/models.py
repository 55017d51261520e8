"""The ``sessions`` collection: server-side sessions, only token hashes stored."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, IndexModel

from app.documents import ConvexDocument, by_creation


class Session(ConvexDocument):
    user_id: str
    session_id: str
    token_hash: str
    ip_address: str | None = None
    user_agent: str | None = None
    created_at: datetime
    last_activity: datetime
    expires_at: datetime
    is_active: bool = True
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    class Settings:
        name = "sessions"
        indexes = [
            by_creation("user_id", name="by_user"),
            by_creation("is_active", name="by_active"),
            IndexModel([("token_hash", ASCENDING)], name="by_token_hash", unique=True),
            IndexModel([("session_id", ASCENDING)], name="by_session_id", unique=True),
            # Clean-up only: validity is always checked against expires_at.
            IndexModel([("expires_at", ASCENDING)], name="by_expiry", expireAfterSeconds=0),
        ]


class LoginCounter(ConvexDocument):
    """Failed-login counter for one account or one client IP in one window.

    ``_id`` is ``<kind>:<key>:<window start>`` so every instance of the service
    ``$inc``s the same document; TTL removes old windows.
    """

    kind: str
    key: str
    failures: int = 0
    window_start: datetime
    expires_at: datetime
    locked_until: datetime | None = None

    class Settings:
        name = "login_counters"
        indexes = [
            IndexModel([("expires_at", ASCENDING)], name="by_expiry", expireAfterSeconds=0),
        ]
