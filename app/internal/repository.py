"""Queries on ``service_tokens``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.documents import PatchRules, Repository
from app.internal.models import ServiceToken


class ServiceTokensRepository(Repository):
    model = ServiceToken
    hidden = ("token_hash",)
    rules = PatchRules(required=frozenset(), optional=frozenset())

    async def find_active(self, token_hash: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self.collection.find_one(
            {"token_hash": token_hash, "is_active": True}, {"token_hash": 0}
        )
        return result

    async def list_all(self) -> list[dict[str, Any]]:
        cursor = self.collection.find({}, {"token_hash": 0}, sort=[("_creationTime", 1)])
        return [token async for token in cursor]

    async def revoke(self, name: str, now: datetime) -> int:
        result = await self.collection.update_many(
            {"name": name, "is_active": True}, {"$set": {"is_active": False, "revoked_at": now}}
        )
        return int(result.modified_count)
