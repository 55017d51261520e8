"""Reading security events: the rules between the route and the repository."""

from __future__ import annotations

from app.documents import Page
from app.rows import SecurityEventRow
from app.security_events.filters import SecurityEventFilters
from app.security_events.repository import SecurityEventsRepository


class SecurityEvents:
    def __init__(self, repository: SecurityEventsRepository) -> None:
        self.repository = repository

    async def newest(
        self, filters: SecurityEventFilters, *, limit: int, cursor: str | None
    ) -> Page[SecurityEventRow]:
        return await self.repository.newest(filters, limit=limit, cursor=cursor)
