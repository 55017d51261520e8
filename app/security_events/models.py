"""The ``security_events`` collection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.documents import ConvexDocument, by_creation

Severity = Literal["low", "medium", "high", "critical"]
# Every event type: what this service writes, and the 11 of the panel's
# logSecurityEvent union (login_attempt, suspicious_activity, 2fa_*, data_*),
# kept by the import. The recorder takes only these (mypy), the list filter
# refuses others, and the OpenAPI document lists them.
EventType = Literal[
    "login_success",
    "login_failure",
    "login_attempt",
    "logout",
    "account_locked",
    "account_unlocked",
    "session_revoked",
    "password_change",
    "user_deactivated",
    "user_restored",
    "permission_denied",
    "suspicious_activity",
    "2fa_enabled",
    "2fa_disabled",
    "data_access",
    "data_modification",
]


class SecurityEvent(ConvexDocument):
    user_id: str | None = None
    event_type: str
    ip_address: str | None = None
    user_agent: str | None = None
    occurred_at: datetime
    details: dict[str, Any] | None = None
    severity: Severity
    reviewed: bool | None = None  # the panel's flag, kept from its events

    class Settings:
        name = "security_events"
        indexes = [
            by_creation("user_id", name="by_user"),
            by_creation("event_type", name="by_event_type"),
            by_creation("severity", name="by_severity"),
            by_creation(name="by_creation_time"),
        ]


# What a caller may filter the list by: a typed value that services pass and
# only the repository turns into a query.
@dataclass(frozen=True)
class SecurityEventFilters:
    """Equality filters, each served by an index ending in ``_creationTime``."""

    user_id: str | None = None
    event_type: EventType | None = None
    severity: Severity | None = None
