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
from typing import Any, Protocol

import pymongo
from pymongo.errors import BulkWriteError, DuplicateKeyError

from app.documents import ID_FIELD, Repository, compat

OPERATION_SECONDS = 300.0
_DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class WriteFailure:
    index: int  # in the batch
    field: str | None  # the unique field that refused it ("_id", "email"), if any
    message: str


def _failure(index: int, error: Mapping[str, Any]) -> WriteFailure:
    message = str(error.get("errmsg", ""))
    field = None
    if error.get("code") == _DUPLICATE_KEY:
        pattern = error.get("keyPattern") or {}
        # One engine names only its internal index in the message.
        if "email" in pattern or "email" in message:
            field = "email"
        elif ID_FIELD in pattern or "._id" in message or "_id_" in message:
            field = ID_FIELD
    return WriteFailure(index, field, message)


def _failures(exc: BulkWriteError) -> list[WriteFailure]:
    return [
        _failure(int(error.get("index", -1)), error) for error in exc.details.get("writeErrors", [])
    ]


class Derived(Protocol):
    """Documents kept in step with a collection (the users' search entries)."""

    async def add(self, documents: Sequence[Mapping[str, Any]]) -> None: ...
    async def replace(self, documents: Sequence[Mapping[str, Any]]) -> None: ...
    async def clear(self) -> None: ...


class BulkDocuments:
    """Bulk operations on the collection of one repository (and on what is
    derived from its documents, written after them)."""

    def __init__(self, repository: Repository[Any], derived: Derived | None = None) -> None:
        self.repository = repository
        self.derived = derived

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
        if not documents:
            return []
        failures: list[WriteFailure] = []
        try:
            with pymongo.timeout(OPERATION_SECONDS):
                await self._collection.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            failures = _failures(exc)
        if self.derived is not None:
            failed = {failure.index for failure in failures}
            with pymongo.timeout(OPERATION_SECONDS):
                await self.derived.add([d for i, d in enumerate(documents) if i not in failed])
        return failures

    async def upsert(self, documents: list[dict[str, Any]]) -> list[WriteFailure]:
        """Insert the new documents and replace the changed ones by ``_id``;
        identical ones are not written, so the same batch twice changes nothing."""
        ids = [document[ID_FIELD] for document in documents]
        with pymongo.timeout(OPERATION_SECONDS):
            cursor = self._collection.find({ID_FIELD: {"$in": ids}})
            stored = {doc[ID_FIELD]: doc async for doc in cursor}
        new, changed = [], []
        for index, document in enumerate(documents):
            current = stored.get(document[ID_FIELD])
            if current is None:
                new.append(index)
            elif compat.restore_booleans(current, self.repository.booleans) != document:
                changed.append(index)
        failures = [
            WriteFailure(new[f.index], f.field, f.message)
            for f in await self.insert([documents[index] for index in new])
        ]
        replaced = []
        for index in changed:
            failure = await self._replace(documents[index], stored[documents[index][ID_FIELD]])
            if failure is not None:
                failures.append(WriteFailure(index, failure.field, failure.message))
            else:
                replaced.append(documents[index])
        if self.derived is not None and replaced:
            # One call for the batch: it re-reads the names once, not once a document.
            with pymongo.timeout(OPERATION_SECONDS):
                await self.derived.replace(replaced)
        return failures

    async def _replace(
        self, document: dict[str, Any], current: dict[str, Any]
    ) -> WriteFailure | None:
        query = {ID_FIELD: document[ID_FIELD]}
        try:
            with pymongo.timeout(OPERATION_SECONDS):
                if not compat.replaced_by_reinsert(document):
                    await self._collection.replace_one(query, document)
                    return None
                await self._collection.delete_one(query)
                try:
                    await self._collection.insert_one(document)
                except DuplicateKeyError:
                    await self._collection.insert_one(current)  # the stored one stays
                    raise
        except DuplicateKeyError as exc:
            return _failure(0, {"code": exc.code, "errmsg": str(exc), **(exc.details or {})})
        return None

    async def clear(self) -> int:
        with pymongo.timeout(OPERATION_SECONDS):
            result = await self._collection.delete_many({})
            if self.derived is not None:
                await self.derived.clear()
        return int(result.deleted_count)

    async def documents(self, batch_size: int = 1000) -> AsyncIterator[dict[str, Any]]:
        """Every document, hidden fields included, in ``_id`` order (one cursor:
        each batch it fetches has the client's deadline; a range on ``_id``
        per batch would scan the collection each time on the embedded engine)."""
        cursor = self._collection.find({}, sort=[(ID_FIELD, 1)], batch_size=batch_size)
        async for document in cursor:
            yield compat.restore_booleans(document, self.repository.booleans)
