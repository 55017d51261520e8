"""Reading the audit log: the rules between the route and the repository."""

from __future__ import annotations

from dataclasses import dataclass

from app.audit.models import AuditFilters
from app.audit.repository import AuditLogsRepository
from app.documents import Page, parse_id
from app.rows import AuditLogRow


@dataclass(eq=False)
class AuditLogs:
    repository: AuditLogsRepository

    async def newest(
        self, filters: AuditFilters, *, limit: int, cursor: str | None
    ) -> Page[AuditLogRow]:
        """Newest first; a ``resource_id`` filter is validated like any ID."""
        if filters.resource_id is not None:
            parse_id(filters.resource_id)
        return await self.repository.newest(filters, limit=limit, cursor=cursor)
