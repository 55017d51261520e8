"""The repository base: the query syntax shared by every collection."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol, cast

from beanie import Document
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from app.batching import BatchedGetter
from app.clock import now_ms
from app.documents import compat
from app.documents.cursors import CursorCodec, Order, Page, query_fingerprint
from app.documents.ids import CREATION_TIME, ID_FIELD, new_object_id, parse_id
from app.documents.patch import PatchRules, plan_patch
from app.documents.tables import TableNumbers
from app.errors import NotFound
from app.rows import DocumentRow


class DuplicateKey(Exception):
    """A unique index rejected a write; ``index`` names it when the engine says."""

    def __init__(self, index: str | None) -> None:
        super().__init__(index or "unique index")
        self.index = index


def _duplicate_index(exc: DuplicateKeyError) -> str | None:
    details = exc.details or {}
    pattern = details.get("keyPattern")
    if isinstance(pattern, Mapping) and pattern:
        return ",".join(pattern)
    match = re.search(r"index: (\S+)", str(exc))
    return match.group(1) if match else None


def _and(query: Mapping[str, Any], extra: Mapping[str, Any]) -> Mapping[str, Any]:
    """Both conditions; merged when their fields differ (simpler for every engine)."""
    if not extra:
        return query
    if not query:
        return extra
    if set(query) & set(extra) or any(key.startswith("$") for key in query):
        return {"$and": [query, extra]}
    return {**query, **extra}


class CollectionSource(Protocol):
    def collection(self, name: str) -> Any: ...


class Repository[Row: DocumentRow]:
    """Query syntax shared by every collection; subclasses add their own queries
    and name their ``Row`` (a TypedDict of the model's fields: app/documents/rows.py)."""

    model: ClassVar[type[Document]]
    # Fields that never leave the repository (e.g. search helpers) are
    # projected away here; secrets are projected away by the subclass.
    hidden: ClassVar[tuple[str, ...]] = ()
    # The panel's Convex table: new documents get Convex IDs of its number, and
    # IDs given for this collection must decode to it. None: an internal
    # collection whose IDs never leave the service (ObjectIds or derived keys).
    table: ClassVar[str | None] = None

    def __init__(
        self,
        database: CollectionSource,
        cursors: CursorCodec,
        *,
        batch_reads: bool = True,
        tables: TableNumbers | None = None,
    ) -> None:
        # Collections come from this app's own client, not from Beanie's
        # class-level binding, so two apps in one process never share one.
        self.database = database
        self.cursors = cursors
        self.tables = tables if tables is not None else TableNumbers()
        self.collection_name: str = self.model.Settings.name
        self._batched = BatchedGetter(self._fetch_many) if batch_reads else None

    @property
    def collection(self) -> Any:
        return self.database.collection(self.collection_name)

    def new_id(self, *, entropy: bytes | None = None, at_ms: float | None = None) -> str:
        """A new ``_id``: a Convex ID of the table (``entropy``: 14 bytes that
        make it the same for every writer of one document on that day)."""
        if self.table is None:
            return new_object_id()
        return self.tables.mint(self.table, entropy=entropy, at_ms=at_ms)

    def parse_id(self, value: object) -> str:
        """``value`` if it can be an ID of this collection, else 400 INVALID_ID:
        a Convex ID of another table (a session's given for a user) is refused."""
        if self.table is None:
            return parse_id(value)
        return self.tables.parse(self.table, value)

    def _projection(self, include_hidden: bool = False) -> dict[str, int] | None:
        if include_hidden or not self.hidden:
            return None
        return {field: 0 for field in self.hidden}

    # The model's boolean fields, restored on every read (compat.restore_booleans).
    booleans: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__:
            cls.booleans = compat.boolean_fields(cls.model)

    def _clean(self, document: dict[str, Any]) -> Row:
        # The one place a stored document becomes a typed row.
        return cast(Row, compat.restore_booleans(document, self.booleans))

    async def find_one(
        self, query: Mapping[str, Any], projection: Mapping[str, int] | None = None
    ) -> Row | None:
        """The one read path for single documents (so ``_clean`` always applies)."""
        document = await self.collection.find_one(query, projection)
        return self._clean(document) if document is not None else None

    async def find(
        self,
        query: Mapping[str, Any],
        projection: Mapping[str, int] | None = None,
        **options: Any,
    ) -> list[Row]:
        """The one read path for many documents; ``options`` go to ``find``."""
        cursor = self.collection.find(query, projection, **options)
        return [self._clean(document) async for document in cursor]

    async def count(self, query: Mapping[str, Any]) -> int:
        """``$match`` + ``$count``: an index count on MongoDB; on the embedded
        engine ``count_documents`` scans the whole collection, this does not."""
        cursor = await self.collection.aggregate(compat.count_pipeline(query))
        return compat.counted(await cursor.to_list(1))

    async def get(self, doc_id: str, *, include_hidden: bool = False) -> Row | None:
        """One document by ID. Plain reads (no hidden fields) made concurrently
        share one query; the result may be shared too: do not mutate it."""
        if self._batched is not None and not include_hidden:
            return await self._batched.get(doc_id)
        return await self.find_one({ID_FIELD: doc_id}, self._projection(include_hidden))

    def get_soon(self, doc_id: str) -> asyncio.Future[Row | None]:
        """``get`` started now: reads of several collections issued together
        (``asyncio.gather``) join their coalesced queries in one loop turn."""
        if self._batched is not None:
            return self._batched.load(doc_id)
        return asyncio.ensure_future(self.get(doc_id))

    async def _fetch_many(self, ids: list[str]) -> dict[str, Row]:
        cursor = self.collection.find({ID_FIELD: {"$in": ids}}, self._projection())
        return {document[ID_FIELD]: self._clean(document) async for document in cursor}

    async def require(self, doc_id: str, *, include_hidden: bool = False) -> Row:
        document = await self.get(doc_id, include_hidden=include_hidden)
        if document is None:
            raise self.not_found()
        return document

    not_found: ClassVar[type[NotFound]] = NotFound

    async def get_many(self, ids: Sequence[str]) -> list[Row | None]:
        """One query for all IDs; results in the order asked, ``None`` where missing."""
        if not ids:
            return []
        found = await self._fetch_many(list(set(ids)))
        return [found.get(doc_id) for doc_id in ids]

    async def insert(self, fields: Mapping[str, Any], *, doc_id: str | None = None) -> Row:
        """Validate against the model, then insert with fresh system fields.

        Optional fields that are ``None`` are left out: Convex omits undefined.
        """
        document = {key: value for key, value in fields.items() if value is not None}
        document[ID_FIELD] = doc_id or self.new_id()
        document.setdefault(CREATION_TIME, now_ms())
        self.model.model_validate(document)
        try:
            await self.collection.insert_one(document)
        except DuplicateKeyError as exc:
            raise DuplicateKey(_duplicate_index(exc)) from exc
        return cast(Row, document)

    async def paginate(
        self,
        query: Mapping[str, Any],
        *,
        order: Order = "asc",
        limit: int = 50,
        cursor: str | None = None,
        projection: Mapping[str, int] | None = None,
    ) -> Page[Row]:
        """Keyset pagination over (``_creationTime``, ``_id``): no offsets, no scans."""
        fingerprint = query_fingerprint(self.collection_name, query, order)
        direction = ASCENDING if order == "asc" else DESCENDING
        fields = projection if projection is not None else self._projection()
        sort = [(CREATION_TIME, direction), (ID_FIELD, direction)]
        documents: list[Row] = []
        if cursor:
            creation_time, last_id = self.cursors.decode(fingerprint, cursor)
            # Ties are rare: times have sub-millisecond precision.
            same_time, later = compat.keyset_scans(creation_time, order == "asc")
            ties = await self.find(_and(query, same_time), fields, sort=sort)
            documents = [
                document
                for document in ties
                if (document[ID_FIELD] > last_id) == (order == "asc")
                and document[ID_FIELD] != last_id
            ][: limit + 1]
            start: Mapping[str, Any] = later
        else:
            start = {}
        if len(documents) <= limit:
            documents += await self.find(
                _and(query, start), fields, sort=sort, limit=limit + 1 - len(documents)
            )
        is_done = len(documents) <= limit
        documents = documents[:limit]
        if documents:
            last = documents[-1]
            next_cursor = self.cursors.encode(
                fingerprint, (float(last[CREATION_TIME]), str(last[ID_FIELD]))
            )
        else:
            next_cursor = cursor or ""
        return Page(documents=documents, continue_cursor=next_cursor, is_done=is_done)


class PatchableRepository[Row: DocumentRow](Repository[Row]):
    """A collection whose documents take Convex patches (``rules`` says how)."""

    rules: ClassVar[PatchRules]

    async def patch(
        self, doc_id: str, patch: Mapping[str, Any], *, extra_set: Mapping[str, Any] | None = None
    ) -> tuple[Row, Row]:
        """Apply a Convex patch in one atomic update; returns (before, after).

        ``extra_set`` holds fields the service derives (``updatedAt``, search
        helpers); it is written only when the patch itself changes something.
        """
        before = await self.require(doc_id, include_hidden=True)
        plan = plan_patch(patch, before, self.rules)
        if plan.is_empty:
            return before, before
        update = plan.as_update()
        if extra_set:
            update.setdefault("$set", {}).update(extra_set)
        try:
            # update_one, not find_one_and_update: one engine skips a
            # find-and-modify that violates a unique index without an error.
            result = await self.collection.update_one({ID_FIELD: doc_id}, update)
        except DuplicateKeyError as exc:
            raise DuplicateKey(_duplicate_index(exc)) from exc
        if result.matched_count == 0:
            raise self.not_found()
        after = await self.require(doc_id, include_hidden=True)
        return before, after
