"""What a caller may filter the list by: a typed value that services pass and
only the repository turns into a query."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditFilters:
    """Equality filters, each served by an index ending in ``_creationTime``."""

    user_id: str | None = None
    resource: str | None = None
    resource_id: str | None = None
    action: str | None = None
