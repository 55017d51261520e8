"""Response bodies of /api/audit-logs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class AuditLogOut(msgspec.Struct, omit_defaults=True):
    id: str = msgspec.field(name="_id")
    creation_time: float = msgspec.field(name="_creationTime")
    user_id: str = ""
    action: str = ""
    resource: str = ""
    resource_id: str = ""
    timestamp: datetime | None = None
    changes: dict[str, Any] | None = None
    user_name: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    metadata: dict[str, Any] | None = None


class AuditLogPage(msgspec.Struct):
    documents: list[AuditLogOut]
    continueCursor: str
    isDone: bool
