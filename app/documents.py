"""The Convex document model, in one place for every collection.

System fields (``_id``, ``_creationTime``), ID validation, patch rules,
tamper-evident keyset cursors, and the repository base that holds all the
query syntax shared by the collections.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

import msgspec
from beanie import Document
from bson import ObjectId, json_util
from pydantic import ConfigDict, Field
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from app.batching import BatchedGetter
from app.clock import now_ms
from app.errors import InvalidCursor, InvalidId, NotFound, ValidationError

ID_FIELD = "_id"
CREATION_TIME = "_creationTime"
SYSTEM_FIELDS = frozenset({ID_FIELD, CREATION_TIME})

_OBJECT_ID = re.compile(r"[0-9a-f]{24}")
# Convex IDs: 31-37 characters of lowercase Crockford base32 (no i, l, o, u).
_CONVEX_ID = re.compile(r"[0-9a-hjkmnp-tv-z]{31,37}")

Order = Literal["asc", "desc"]


def new_id() -> str:
    return str(ObjectId())


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(
        _OBJECT_ID.fullmatch(value) or _CONVEX_ID.fullmatch(value)
    )


def parse_id(value: object) -> str:
    """Return the ID, or raise 400 INVALID_ID for anything not shaped like one."""
    if not is_valid_id(value):
        raise InvalidId(details={"id": value if isinstance(value, str) else None})
    return str(value)


# --- patch rules -----------------------------------------------------------


@dataclass(frozen=True)
class PatchRules:
    """Which fields of a collection a patch may touch, and how."""

    required: frozenset[str]
    optional: frozenset[str]
    # Fields that exist but are never patchable (e.g. passwordHash).
    protected: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PatchPlan:
    set: dict[str, Any]
    unset: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.set and not self.unset

    def as_update(self) -> dict[str, Any]:
        update: dict[str, Any] = {}
        if self.set:
            update["$set"] = self.set
        if self.unset:
            update["$unset"] = {field: "" for field in self.unset}
        return update


def plan_patch(patch: Mapping[str, Any], stored: Mapping[str, Any], rules: PatchRules) -> PatchPlan:
    """Turn a Convex patch into ``$set``/``$unset``: shallow merge, ``None`` removes.

    System fields may be given only with their stored value; unknown and
    protected fields, and removing a required field, are 400.
    """
    to_set: dict[str, Any] = {}
    to_unset: list[str] = []
    for field, value in patch.items():
        if field in SYSTEM_FIELDS:
            if value != stored.get(field):
                raise ValidationError.field(field, "system fields cannot be changed")
            continue
        if field in rules.protected:
            raise ValidationError.field(field, "this field cannot be patched")
        if field not in rules.required and field not in rules.optional:
            raise ValidationError.field(field, "unknown field")
        if value is None:
            if field in rules.required:
                raise ValidationError.field(field, "a required field cannot be removed")
            if field in stored:
                to_unset.append(field)
        elif stored.get(field, msgspec.UNSET) != value:
            to_set[field] = value
    return PatchPlan(set=to_set, unset=tuple(to_unset))


# --- cursors -----------------------------------------------------------------


def query_fingerprint(collection: str, query: Mapping[str, Any], order: Order) -> bytes:
    """A stable digest of a query, so a cursor only continues the query it came from."""
    canonical = json_util.dumps(
        {"c": collection, "q": query, "o": order}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CursorCodec:
    """Opaque, tamper-evident cursors: a JSON position signed with HMAC over the
    query's fingerprint, so a cursor only continues the query it came from."""

    secret: bytes

    def encode(self, fingerprint: bytes, position: Sequence[Any]) -> str:
        payload = msgspec.json.encode(list(position))
        mac = hmac.new(self.secret, fingerprint + payload, hashlib.sha256).digest()[:16]
        return f"{_b64(payload)}.{_b64(mac)}"

    def decode(
        self, fingerprint: bytes, cursor: str, types: tuple[type, ...] = (float, str)
    ) -> list[Any]:
        try:
            payload_text, mac_text = cursor.split(".")
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except ValueError as exc:  # also binascii.Error
            raise InvalidCursor() from exc
        expected = hmac.new(self.secret, fingerprint + payload, hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(mac, expected):
            raise InvalidCursor()
        try:
            position = msgspec.json.decode(payload, type=tuple[*types])  # type: ignore[valid-type]
        except msgspec.DecodeError as exc:
            raise InvalidCursor() from exc
        return list(position)


@dataclass(frozen=True)
class Page:
    documents: list[dict[str, Any]]
    continue_cursor: str
    is_done: bool


# --- repository base -----------------------------------------------------------


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


class Repository:
    """Query syntax shared by every collection; subclasses add their own queries."""

    model: ClassVar[type[Document]]
    rules: ClassVar[PatchRules]
    # Fields that never leave the repository (e.g. search helpers) are
    # projected away here; secrets are projected away by the subclass.
    hidden: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, database: CollectionSource, cursors: CursorCodec, *, batch_reads: bool = True
    ) -> None:
        # Collections come from this app's own client, not from Beanie's
        # class-level binding, so two apps in one process never share one.
        self.database = database
        self.cursors = cursors
        self.collection_name: str = self.model.Settings.name
        self._batched = BatchedGetter(self._fetch_many) if batch_reads else None

    @property
    def collection(self) -> Any:
        return self.database.collection(self.collection_name)

    def _projection(self, include_hidden: bool = False) -> dict[str, int] | None:
        if include_hidden or not self.hidden:
            return None
        return {field: 0 for field in self.hidden}

    # Boolean fields: one engine hands back booleans written by $set as 0/1.
    booleans: ClassVar[tuple[str, ...]] = ()

    def _clean(self, document: dict[str, Any]) -> dict[str, Any]:
        for field in self.booleans:
            value = document.get(field)
            if value is not None and not isinstance(value, bool):
                document[field] = bool(value)
        return document

    async def find_one(
        self, query: Mapping[str, Any], projection: Mapping[str, int] | None = None
    ) -> dict[str, Any] | None:
        """The one read path for single documents (so ``_clean`` always applies)."""
        document = await self.collection.find_one(query, projection)
        return self._clean(document) if document is not None else None

    async def find(
        self,
        query: Mapping[str, Any],
        projection: Mapping[str, int] | None = None,
        **options: Any,
    ) -> list[dict[str, Any]]:
        """The one read path for many documents; ``options`` go to ``find``."""
        cursor = self.collection.find(query, projection, **options)
        return [self._clean(document) async for document in cursor]

    async def count(self, query: Mapping[str, Any]) -> int:
        """``$match`` + ``$count``: an index count on MongoDB; on the embedded
        engine ``count_documents`` scans the whole collection, this does not."""
        cursor = await self.collection.aggregate([{"$match": dict(query)}, {"$count": "n"}])
        result = await cursor.to_list(1)
        return int(result[0]["n"]) if result else 0

    async def get(self, doc_id: str, *, include_hidden: bool = False) -> dict[str, Any] | None:
        """One document by ID. Plain reads (no hidden fields) made concurrently
        share one query; the result may be shared too: do not mutate it."""
        if self._batched is not None and not include_hidden:
            return await self._batched.get(doc_id)
        return await self.find_one({ID_FIELD: doc_id}, self._projection(include_hidden))

    async def _fetch_many(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        documents = await self.find({ID_FIELD: {"$in": ids}}, self._projection())
        return {document[ID_FIELD]: document for document in documents}

    async def require(self, doc_id: str, *, include_hidden: bool = False) -> dict[str, Any]:
        document = await self.get(doc_id, include_hidden=include_hidden)
        if document is None:
            raise self.not_found()
        return document

    not_found: ClassVar[type[NotFound]] = NotFound

    async def get_many(self, ids: Sequence[str]) -> list[dict[str, Any] | None]:
        """One query for all IDs; results in the order asked, ``None`` where missing."""
        if not ids:
            return []
        found = await self._fetch_many(list(set(ids)))
        return [found.get(doc_id) for doc_id in ids]

    async def insert(
        self, fields: Mapping[str, Any], *, doc_id: str | None = None
    ) -> dict[str, Any]:
        """Validate against the model, then insert with fresh system fields.

        Optional fields that are ``None`` are left out: Convex omits undefined.
        """
        document = {key: value for key, value in fields.items() if value is not None}
        document[ID_FIELD] = doc_id or new_id()
        document.setdefault(CREATION_TIME, now_ms())
        self.model.model_validate(document)
        try:
            await self.collection.insert_one(document)
        except DuplicateKeyError as exc:
            raise DuplicateKey(_duplicate_index(exc)) from exc
        return document

    async def patch(
        self, doc_id: str, patch: Mapping[str, Any], *, extra_set: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
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

    async def paginate(
        self,
        query: Mapping[str, Any],
        *,
        order: Order = "asc",
        limit: int = 50,
        cursor: str | None = None,
        projection: Mapping[str, int] | None = None,
    ) -> Page:
        """Keyset pagination over (``_creationTime``, ``_id``): no offsets, no scans."""
        fingerprint = query_fingerprint(self.collection_name, query, order)
        direction = ASCENDING if order == "asc" else DESCENDING
        after = "$gt" if order == "asc" else "$lt"
        fields = projection if projection is not None else self._projection()
        sort = [(CREATION_TIME, direction), (ID_FIELD, direction)]
        documents: list[dict[str, Any]] = []
        if cursor:
            creation_time, last_id = self.cursors.decode(fingerprint, cursor)
            # Two plain index scans rather than one $or, and the _id bound checked
            # here: one engine answers a range on _id, or an $or, by scanning the
            # collection. First the rest of the cursor's _creationTime (ties are
            # rare: times have sub-millisecond precision), then what follows it.
            ties = await self.find(_and(query, {CREATION_TIME: creation_time}), fields, sort=sort)
            documents = [
                document
                for document in ties
                if (document[ID_FIELD] > last_id) == (order == "asc")
                and document[ID_FIELD] != last_id
            ][: limit + 1]
            start: Mapping[str, Any] = {CREATION_TIME: {after: creation_time}}
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


# --- Beanie base -----------------------------------------------------------------


class ConvexDocument(Document):
    """Beanie base for every collection: string ``_id`` and ``_creationTime`` in ms.

    Beanie owns the schema and the indexes; reads and writes go through
    ``Repository`` on the raw collection so hot paths skip model validation.
    """

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    id: str = Field(default_factory=new_id, alias=ID_FIELD)  # type: ignore[assignment]
    creation_time: float = Field(default_factory=now_ms, alias=CREATION_TIME)


def by_creation(*keys: str, name: str, unique: bool = False) -> IndexModel:
    """An index on ``keys`` + ``_creationTime``, as Convex appends it to every index.

    Equality on ``keys`` then serves the default (``_creationTime``) order
    without an in-memory sort; never includes ``_id`` (one engine breaks).
    """
    fields = [(key, ASCENDING) for key in keys] + [(CREATION_TIME, ASCENDING)]
    return IndexModel(fields, name=name, unique=unique)
