"""Queries on ``audit_logs``."""

from __future__ import annotations

from app.audit.models import AuditFilters, AuditLog
from app.documents import Page, Repository
from app.rows import AuditLogRow


class AuditLogsRepository(Repository[AuditLogRow]):
    model = AuditLog
    table = "audit_logs"

    async def newest(
        self, filters: AuditFilters, *, limit: int, cursor: str | None
    ) -> Page[AuditLogRow]:
        query = {key: value for key, value in vars(filters).items() if value is not None}
        return await self.paginate(query, order="desc", limit=limit, cursor=cursor)
