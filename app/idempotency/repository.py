"""Queries on ``idempotency_keys``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.documents import DuplicateKey, Repository
from app.idempotency.models import IdempotencyRecord
from app.rows import IdempotencyRow


class IdempotencyRepository(Repository[IdempotencyRow]):
    model = IdempotencyRecord

    async def claim(self, record_id: str, fields: Mapping[str, Any]) -> IdempotencyRow:
        """Store ``fields`` under ``record_id`` unless a record is there already;
        either way, the stored record (the unique ``_id`` picks one winner)."""
        for _ in range(2):
            try:
                return await self.insert(fields, doc_id=record_id)
            except DuplicateKey:
                stored = await self.find_one({"_id": record_id})
                if stored is not None:
                    return stored
                # Purged between the insert and the read: claim it again.
        raise DuplicateKey(None)
