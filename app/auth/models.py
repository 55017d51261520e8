"""The ``sessions`` collection: server-side sessions, only token hashes stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, IndexModel

from app.documents import ConvexDocument, by_creation
from app.rows import LoginCounterRow


class Session(ConvexDocument):
    """Times are ms since the epoch, like ``_creationTime``: one engine stores a
    datetime written by ``$set`` as a string. ``purge_at`` (a date, written once
    at insert) only drives TTL clean-up."""

    user_id: str
    session_id: str
    token_hash: str
    ip_address: str | None = None
    user_agent: str | None = None
    device_info: str | None = None  # kept from the panel's user_sessions
    created_at: float
    last_activity: float
    expires_at: float
    is_active: bool = True
    revoked_at: float | None = None
    revocation_reason: str | None = None
    purge_at: datetime

    class Settings:
        name = "sessions"
        indexes = [
            by_creation("user_id", name="by_user"),
            by_creation("is_active", name="by_active"),
            IndexModel([("token_hash", ASCENDING)], name="by_token_hash", unique=True),
            IndexModel([("session_id", ASCENDING)], name="by_session_id", unique=True),
            # Clean-up only: validity is always checked against expires_at.
            IndexModel([("purge_at", ASCENDING)], name="by_expiry", expireAfterSeconds=0),
        ]


# The kinds of login counter (app/auth/lockout.py).
ACCOUNT = "account"
ACCOUNT_ADDRESS = "account_ip"
ADDRESS = "ip"


@dataclass(frozen=True)
class LockoutState:
    """An account's login counters that still matter, as of ``now``."""

    email: str
    now: float
    counters: list[LoginCounterRow]


class LoginCounter(ConvexDocument):
    """Login attempts for one key in one window: an account, an account from one
    client address, or one client address (``app.auth.lockout``).

    ``_id`` is ``<kind>:<digest>`` so every instance of the service ``$inc``s
    the same document. Times in ms; ``locked_until`` is 0 when not locked;
    ``purge_at`` (written once) drives TTL clean-up.
    """

    kind: str
    email: str | None = None
    ip: str | None = None
    failures: int = 0
    window_start: float
    locked_until: float = 0.0
    purge_at: datetime

    class Settings:
        name = "login_counters"
        indexes = [
            IndexModel([("email", ASCENDING)], name="by_email"),
            IndexModel([("purge_at", ASCENDING)], name="by_expiry", expireAfterSeconds=0),
        ]
