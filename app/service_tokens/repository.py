"""Queries on ``service_tokens``."""

from __future__ import annotations

from app.documents import Repository
from app.rows import ServiceTokenRow
from app.service_tokens.models import ServiceToken


class ServiceTokensRepository(Repository[ServiceTokenRow]):
    model = ServiceToken
    hidden = ("token_hash",)

    async def find_active(self, token_hash: str) -> ServiceTokenRow | None:
        return await self.find_one({"token_hash": token_hash, "is_active": True}, {"token_hash": 0})

    async def list_all(self) -> list[ServiceTokenRow]:
        return await self.find({}, {"token_hash": 0}, sort=[("_creationTime", 1)])

    async def revoke(self, name: str, now: float) -> int:
        result = await self.collection.update_many(
            {"name": name, "is_active": True}, {"$set": {"is_active": False, "revoked_at": now}}
        )
        return int(result.modified_count)
