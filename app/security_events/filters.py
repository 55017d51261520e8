"""What a caller may filter the list by: a typed value that services pass and
only the repository turns into a query."""

from __future__ import annotations

from dataclasses import dataclass

from app.security_events.models import Severity


@dataclass(frozen=True)
class SecurityEventFilters:
    """Equality filters, each served by an index ending in ``_creationTime``."""

    user_id: str | None = None
    event_type: str | None = None
    severity: Severity | None = None
