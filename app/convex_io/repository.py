"""Bulk reads and writes for an import or an export, on the collections of the
service's repositories: the one module of the package that speaks the
driver's query syntax.

Each operation gets its own generous deadline: a batch of a bulk import may
take longer than a request's deadline (``APP_REQUEST_TIMEOUT_MS``) on a busy
embedded engine, and nobody is waiting on it but the command.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pymongo
from pymongo import ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError

from app.documents import ID_FIELD, CollectionSource, Repository, compat

OPERATION_SECONDS = 300.0
CONVEX_TABLES = "convex_tables"
_DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class WriteFailure:
    index: int  # in the batch
    field: str | None  # the unique field that refused it ("_id", "email"), if any
    message: str


def _failures(exc: BulkWriteError) -> list[WriteFailure]:
    failures = []
    for error in exc.details.get("writeErrors", []):
        message = str(error.get("errmsg", ""))
        field = None
        if error.get("code") == _DUPLICATE_KEY:
            pattern = error.get("keyPattern") or {}
            # One engine names only its internal index in the message.
            if "email" in pattern or "email" in message:
                field = "email"
            elif ID_FIELD in pattern or "._id" in message or "_id_" in message:
                field = ID_FIELD
        failures.append(WriteFailure(int(error.get("index", -1)), field, message))
    return failures


class BulkDocuments:
    """Bulk operations on the collection of one repository."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    @property
    def _collection(self) -> Any:
        return self.repository.collection

    async def is_empty(self) -> bool:
        with pymongo.timeout(OPERATION_SECONDS):
            return await self._collection.find_one({}, {ID_FIELD: 1}) is None

    async def existing_ids(self, ids: Sequence[str]) -> set[str]:
        with pymongo.timeout(OPERATION_SECONDS):
            cursor = self._collection.find({ID_FIELD: {"$in": list(ids)}}, {ID_FIELD: 1})
            return {document[ID_FIELD] async for document in cursor}

    async def owners(self, field: str, values: Sequence[str]) -> dict[str, str]:
        """{value: _id} of the documents whose ``field`` is one of ``values``."""
        with pymongo.timeout(OPERATION_SECONDS):
            cursor = self._collection.find({field: {"$in": list(values)}}, {ID_FIELD: 1, field: 1})
            return {document[field]: document[ID_FIELD] async for document in cursor}

    async def insert(self, documents: list[dict[str, Any]]) -> list[WriteFailure]:
        """Insert all it can (unordered); the failures by index."""
        try:
            with pymongo.timeout(OPERATION_SECONDS):
                await self._collection.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            return _failures(exc)
        return []

    async def upsert(self, documents: list[dict[str, Any]]) -> list[WriteFailure]:
        """Replace each document by ``_id`` or insert it: the same batch twice
        leaves the collection as it was."""
        requests = [ReplaceOne({ID_FIELD: doc[ID_FIELD]}, doc, upsert=True) for doc in documents]
        try:
            with pymongo.timeout(OPERATION_SECONDS):
                await self._collection.bulk_write(requests, ordered=False)
        except BulkWriteError as exc:
            return _failures(exc)
        return []

    async def clear(self) -> int:
        with pymongo.timeout(OPERATION_SECONDS):
            result = await self._collection.delete_many({})
        return int(result.deleted_count)

    async def documents(self, batch_size: int = 1000) -> AsyncIterator[dict[str, Any]]:
        """Every document, hidden fields included, in ``_id`` order (one cursor:
        each batch it fetches has the client's deadline; a range on ``_id``
        per batch would scan the collection each time on the embedded engine)."""
        cursor = self._collection.find({}, sort=[(ID_FIELD, 1)], batch_size=batch_size)
        async for document in cursor:
            yield compat.restore_booleans(document, self.repository.booleans)


async def remember_table_numbers(database: CollectionSource, numbers: Mapping[str, int]) -> None:
    """Keep the export's table numbers: ``{_id: <panel table name>, number}``
    in ``convex_tables``, so IDs minted later carry the right table."""
    if not numbers:
        return
    requests = [
        UpdateOne({ID_FIELD: name}, {"$set": {"number": int(number)}}, upsert=True)
        for name, number in numbers.items()
    ]
    with pymongo.timeout(OPERATION_SECONDS):
        await database.collection(CONVEX_TABLES).bulk_write(requests, ordered=False)


async def table_numbers(database: CollectionSource) -> dict[str, int]:
    with pymongo.timeout(OPERATION_SECONDS):
        cursor = database.collection(CONVEX_TABLES).find({})
        return {str(doc[ID_FIELD]): int(doc["number"]) async for doc in cursor if "number" in doc}
