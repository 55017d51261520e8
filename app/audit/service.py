"""Reading the audit log: the rules between the route and the repository."""

from __future__ import annotations

from dataclasses import dataclass

from app.audit.models import AuditFilters
from app.audit.repository import AuditLogsRepository
from app.documents import Page
from app.documents.filter_ids import actor_id, any_id
from app.rows import AuditLogRow


@dataclass(eq=False)
class AuditLogs:
    repository: AuditLogsRepository

    async def newest(
        self, filters: AuditFilters, *, limit: int, cursor: str | None
    ) -> Page[AuditLogRow]:
        """Newest first; ID filters are validated like IDs in paths."""
        if filters.user_id is not None:
            actor_id(self.repository.tables, filters.user_id, "user_id")
        if filters.resource_id is not None:
            any_id(filters.resource_id, "resource_id")
        return await self.repository.newest(filters, limit=limit, cursor=cursor)
