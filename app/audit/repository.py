"""Queries on ``audit_logs``."""

from __future__ import annotations

from dataclasses import dataclass

from app.audit.models import AuditLog
from app.documents import Page, PatchRules, Repository


@dataclass(frozen=True)
class AuditFilters:
    """Equality filters, each served by an index ending in ``_creationTime``."""

    user_id: str | None = None
    resource: str | None = None
    resource_id: str | None = None
    action: str | None = None


class AuditLogsRepository(Repository):
    model = AuditLog
    not_found_code = "NOT_FOUND"
    # Audit logs are append-only.
    rules = PatchRules(required=frozenset(), optional=frozenset())

    async def newest(self, filters: AuditFilters, *, limit: int, cursor: str | None) -> Page:
        query = {key: value for key, value in vars(filters).items() if value is not None}
        return await self.paginate(query, order="desc", limit=limit, cursor=cursor)
