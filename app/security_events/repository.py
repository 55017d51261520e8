"""Queries on ``security_events``."""

from __future__ import annotations

from app.documents.logs import LogRepository
from app.rows import SecurityEventRow
from app.security_events.models import SecurityEvent


class SecurityEventsRepository(LogRepository[SecurityEventRow]):
    model = SecurityEvent
    table = "security_events"

    async def count_repeat(self, event_id: str) -> bool:
        """One more occurrence of an aggregated event; False if it does not exist."""
        result = await self.collection.update_one({"_id": event_id}, {"$inc": {"details.count": 1}})
        return bool(result.matched_count)
