"""Queries on ``security_events``."""

from __future__ import annotations

from app.documents import Page, Repository
from app.rows import SecurityEventRow
from app.security_events.models import SecurityEvent, SecurityEventFilters


class SecurityEventsRepository(Repository[SecurityEventRow]):
    model = SecurityEvent
    table = "security_events"

    async def count_repeat(self, event_id: str) -> bool:
        """One more occurrence of an aggregated event; False if it does not exist."""
        result = await self.collection.update_one({"_id": event_id}, {"$inc": {"details.count": 1}})
        return bool(result.matched_count)

    async def newest(
        self, filters: SecurityEventFilters, *, limit: int, cursor: str | None
    ) -> Page[SecurityEventRow]:
        query = {key: value for key, value in vars(filters).items() if value is not None}
        return await self.paginate(query, order="desc", limit=limit, cursor=cursor)
