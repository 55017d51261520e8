"""Reading security events: the rules between the route and the repository."""

from __future__ import annotations

from dataclasses import dataclass

from app.documents import Page
from app.documents.filter_ids import users_id
from app.rows import SecurityEventRow
from app.security_events.models import SecurityEventFilters
from app.security_events.repository import SecurityEventsRepository


@dataclass(eq=False)
class SecurityEvents:
    repository: SecurityEventsRepository

    async def newest(
        self, filters: SecurityEventFilters, *, limit: int, cursor: str | None
    ) -> Page[SecurityEventRow]:
        """Newest first; a ``user_id`` filter is validated like a user's ID in a path."""
        if filters.user_id is not None:
            users_id(self.repository.tables, filters.user_id, "user_id")
        return await self.repository.newest(filters, limit=limit, cursor=cursor)
