"""The ``security_events`` collection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.documents import ConvexDocument, by_creation

Severity = Literal["low", "medium", "high", "critical"]


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
    event_type: str | None = None
    severity: Severity | None = None
