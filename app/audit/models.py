"""The ``audit_logs`` collection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.documents import ConvexDocument, TableNumbers, by_creation
from app.documents.filter_ids import actor_id, any_id

# Every action an audit log can hold: what this service writes (CREATE,
# UPDATE, DELETE, RESTORE, UNLOCK) and the panel's own union (adds VIEW), kept
# by the import. The recorder takes only these (mypy), the list filter refuses
# others, and the OpenAPI document lists them.
AuditAction = Literal["CREATE", "UPDATE", "DELETE", "RESTORE", "UNLOCK", "VIEW"]


class AuditLog(ConvexDocument):
    user_id: str
    action: str
    resource: str
    resource_id: str
    timestamp: datetime
    changes: dict[str, Any] | None = None
    # The panel's own audit fields (userName, ipAddress, userAgent, metadata),
    # kept from its logs.
    user_name: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    metadata: dict[str, Any] | None = None

    class Settings:
        name = "audit_logs"
        indexes = [
            by_creation("user_id", name="by_user"),
            by_creation("resource", "resource_id", name="by_resource"),
            by_creation("action", name="by_action"),
            by_creation(name="by_creation_time"),
        ]


# What a caller may filter the list by: a typed value that services pass and
# only the repository turns into a query.
@dataclass(frozen=True)
class AuditFilters:
    """Equality filters, each served by an index ending in ``_creationTime``."""

    user_id: str | None = None
    resource: str | None = None
    resource_id: str | None = None
    action: AuditAction | None = None

    def check_ids(self, tables: TableNumbers) -> None:
        if self.user_id is not None:
            actor_id(tables, self.user_id, "user_id")
        if self.resource_id is not None:
            any_id(self.resource_id, "resource_id")
