"""The ``security_events`` collection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from app.documents import ConvexDocument
from app.documents.filter_ids import users_id
from app.documents.logs import LogFilters, log_filter, log_indexes

Severity = Literal["low", "medium", "high", "critical"]


class EventType(StrEnum):
    """Every event type, each with its one severity (``SEVERITY``): what this
    service records, and the rest of the panel's logSecurityEvent union
    (login_attempt, suspicious_activity, 2fa_*, data_*), kept by the import.
    The recorder takes only these (mypy), the list filter refuses others, and
    the OpenAPI document lists them."""

    LOGIN_SUCCESS = "login_success"
    LOGIN_FAILURE = "login_failure"
    LOGOUT = "logout"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"
    SESSION_REVOKED = "session_revoked"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - an event name, no secret
    PERMISSION_DENIED = "permission_denied"
    USER_DEACTIVATED = "user_deactivated"
    USER_RESTORED = "user_restored"
    # The panel's own, not written by this service.
    LOGIN_ATTEMPT = "login_attempt"
    SUSPICIOUS_ACTIVITY = "suspicious_activity"
    TWO_FACTOR_ENABLED = "2fa_enabled"
    TWO_FACTOR_DISABLED = "2fa_disabled"
    DATA_ACCESS = "data_access"
    DATA_MODIFICATION = "data_modification"


SEVERITY: dict[EventType, Severity] = {
    EventType.LOGIN_SUCCESS: "low",
    EventType.LOGOUT: "low",
    EventType.LOGIN_FAILURE: "medium",
    EventType.ACCOUNT_UNLOCKED: "medium",
    EventType.SESSION_REVOKED: "medium",
    EventType.PASSWORD_CHANGE: "medium",
    EventType.PERMISSION_DENIED: "medium",
    EventType.USER_RESTORED: "medium",
    EventType.ACCOUNT_LOCKED: "high",
    EventType.USER_DEACTIVATED: "high",
    EventType.LOGIN_ATTEMPT: "low",
    EventType.DATA_ACCESS: "low",
    EventType.TWO_FACTOR_ENABLED: "medium",
    EventType.DATA_MODIFICATION: "medium",
    EventType.TWO_FACTOR_DISABLED: "high",
    EventType.SUSPICIOUS_ACTIVITY: "high",
}


@dataclass(frozen=True)
class SecurityEventFilters(LogFilters):
    """What a caller may filter the list by (a typed value, as for audit logs)."""

    user_id: str | None = log_filter("by_user", users_id)
    event_type: EventType | None = log_filter("by_event_type")
    severity: Severity | None = log_filter("by_severity")


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
        indexes = log_indexes(SecurityEventFilters)
