"""The ``audit_logs`` collection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.documents import ConvexDocument
from app.documents.filter_ids import actor_id, any_id
from app.documents.logs import LogFilters, log_filter, log_indexes

# Every action an audit log can hold: what this service writes (CREATE,
# UPDATE, DELETE, RESTORE, UNLOCK) and the panel's own union (adds VIEW), kept
# by the import. The recorder takes only these (mypy), the list filter refuses
# others, and the OpenAPI document lists them.
AuditAction = Literal["CREATE", "UPDATE", "DELETE", "RESTORE", "UNLOCK", "VIEW"]


@dataclass(frozen=True)
class AuditFilters(LogFilters):
    """What a caller may filter the list by: a typed value that services pass
    and only the repository turns into a query."""

    user_id: str | None = log_filter("by_user", actor_id)
    resource: str | None = log_filter("by_resource")
    resource_id: str | None = log_filter("by_resource", any_id)
    action: AuditAction | None = log_filter("by_action")


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
        indexes = log_indexes(AuditFilters)
