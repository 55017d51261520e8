"""Ranked search entries: one small document per (user, search entry).

The embedded engine answers any query on an array by scanning, so the
``searchTokens`` array cannot serve a search there. This side collection holds,
per user, one document for each entry a query of one or two terms looks up
(``p:<prefix>``, ``c:<word> <prefix>``) with the relevance of exactly that
query, the user's ``_creationTime`` and ``_id``, stored so that ASCENDING
order is ranking order (relevance desc, time desc, ``_id`` desc): ``r`` is
minus the relevance, ``t`` minus the time, ``u`` the ``_id`` with every
character mirrored (``mirror_id``). Two indexes serve a page:

- ``by_entry`` (``e``): the stand-in engines serve equality from a one-field
  index only, and sort the entry's matches themselves;
- ``by_entry_rank`` (``e, r, t, u``): on MongoDB one index scan in ranking
  order, no sort stage. All ascending: nx-27017 lists a descending key as
  ascending, which index drift would report.

Every write of a name replaces the user's entries; ``db reindex-search``
rebuilds them. Other queries (three terms or more, a prefix longer than
``MAX_PREFIX``, any filter) keep using ``searchTokens``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from beanie import Document
from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.errors import BulkWriteError

from app.documents import CREATION_TIME, ID_FIELD
from app.users.models import User
from app.users.search import MAX_PREFIX, SearchQuery, relevance, tokenize

COLLECTION = "user_search"
ENTRY, RELEVANCE, TIME, USER = "e", "r", "t", "u"
RANK_KEYS = [(ENTRY, ASCENDING), (RELEVANCE, ASCENDING), (TIME, ASCENDING), (USER, ASCENDING)]
RANK_SORT = RANK_KEYS[1:]
WRITE_BATCH = 100
MAX_PASSES = 5  # renames of one user racing this many times in a row: give up loudly
DUPLICATE_KEY = 11000
USERS = User.Settings.name

# IDs are printable ASCII (Convex IDs, ObjectIds); each character c becomes
# chr(_MIRROR - ord(c)), which reverses their order, and _END (above every
# mirrored character) reverses it for an ID that is a prefix of another.
_LOW, _HIGH = 0x21, 0x7D
_MIRROR = _LOW + _HIGH
_END = "~"


def mirror_id(user_id: str) -> str:
    """A key that sorts ascending as ``user_id`` sorts descending."""
    if not all(_LOW <= ord(ch) <= _HIGH for ch in user_id):
        raise ValueError("a search entry needs a printable ASCII ID")
    return "".join(chr(_MIRROR - ord(ch)) for ch in user_id) + _END


def unmirror_id(key: str) -> str:
    return "".join(chr(_MIRROR - ord(ch)) for ch in key.removesuffix(_END))


class SearchEntry(Document):
    e: str
    r: float
    t: float
    u: str

    class Settings:
        name = COLLECTION
        indexes = [
            IndexModel([(ENTRY, ASCENDING)], name="by_entry"),
            IndexModel(RANK_KEYS, name="by_entry_rank"),
            IndexModel([(USER, ASCENDING)], name="by_user"),
        ]


def _prefixes(token: str) -> list[str]:
    return [token[:length] for length in range(1, min(len(token), MAX_PREFIX) + 1)]


def entry_queries(name: str) -> dict[str, SearchQuery]:
    """Each entry of the name with the one query it serves exactly."""
    tokens = tokenize(name)
    prefixes = {prefix for token in tokens for prefix in _prefixes(token)}
    queries = {f"p:{prefix}": SearchQuery((), prefix) for prefix in prefixes}
    for word in tokens:
        for prefix in prefixes:
            if prefix != word:  # parse_query drops a repeated term: never asked
                queries[f"c:{word} {prefix}"] = SearchQuery((word,), prefix)
    return queries


def entry_id(user_id: str, entry: str) -> ObjectId:
    """The ``_id`` of a user's entry, the same for every writer: 12 bytes of a
    hash, an ObjectId as MongoDB would make (both stand-ins store it)."""
    return ObjectId(hashlib.blake2b(f"{user_id}\n{entry}".encode(), digest_size=12).digest())


def entries(user_id: str, name: str, creation_time: float) -> list[dict[str, Any]]:
    user = mirror_id(user_id)
    return [
        {
            ID_FIELD: entry_id(user_id, entry),
            ENTRY: entry,
            RELEVANCE: -relevance(query, name),
            TIME: -float(creation_time),
            USER: user,
        }
        for entry, query in sorted(entry_queries(name).items())
    ]


def served_entry(query: SearchQuery) -> str | None:
    """The entry whose ranked documents are exactly the query's results, or
    None when only ``searchTokens`` can answer it."""
    if len(query.words) > 1 or len(query.prefix) > MAX_PREFIX:
        return None
    return query.index_terms()[0]


def users_entries(users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for user in users:
        name = user.get("name")
        if isinstance(name, str):
            found += entries(str(user[ID_FIELD]), name, float(user.get(CREATION_TIME, 0.0)))
    return found


RankKey = tuple[float, float, str]  # (relevance, _creationTime, _id), as ranking_key


class RankedSearch:
    """Reads and writes of the side collection (``database.collection(name)``)."""

    def __init__(self, database: Any) -> None:
        self.database = database

    @property
    def collection(self) -> Any:
        return self.database.collection(COLLECTION)

    async def replace(self, users: Sequence[Mapping[str, Any]]) -> None:
        """The entries of these users made those of their stored names.

        Entry ``_id``s are derived from (user, entry), so writing an entry
        twice is a no-op, and each pass only deletes the entries its name
        lacks and inserts those missing. After its writes a pass re-reads the
        names and repeats for any that changed meanwhile: of two concurrent
        renames, the pass that writes last sees the final name, so the
        entries end as the final name's (a stale pass cannot finish last
        unnoticed). Old entries are found by ``u`` (equality: index-served
        everywhere) and deleted by ``_id``: nx-27017 answers a delete by any
        other field by scanning the collection."""
        pending: Mapping[str, Mapping[str, Any]] = {str(user[ID_FIELD]): user for user in users}
        for _ in range(MAX_PASSES):
            if not pending:
                return
            for user_id, user in pending.items():
                await self._write(user_id, user.get("name"), user.get(CREATION_TIME, 0.0))
            pending = await self._changed(pending)
        raise RuntimeError(f"search entries of {sorted(pending)} kept changing")

    async def add(self, users: Sequence[Mapping[str, Any]]) -> None:
        """Entries of users that have none yet (a create, an import into an
        empty table), in batches of a few hundred (one stand-in engine stalls
        every client while it writes a large batch); a name changed meanwhile
        is then brought in step by ``replace``."""
        documents = users_entries(users)
        for start in range(0, len(documents), WRITE_BATCH):
            await self._insert(documents[start : start + WRITE_BATCH])
        changed = await self._changed({str(user[ID_FIELD]): user for user in users})
        if changed:
            await self.replace(list(changed.values()))

    async def _write(self, user_id: str, name: object, creation_time: float) -> None:
        wanted = {
            entry[ID_FIELD]: entry
            for entry in (entries(user_id, name, creation_time) if isinstance(name, str) else [])
        }
        cursor = self.collection.find({USER: mirror_id(user_id)}, {ID_FIELD: 1})
        stored = {entry[ID_FIELD] async for entry in cursor}
        stale = [key for key in stored if key not in wanted]
        for start in range(0, len(stale), WRITE_BATCH):
            batch = stale[start : start + WRITE_BATCH]
            await self.collection.delete_many({ID_FIELD: {"$in": batch}})
        missing = [entry for key, entry in wanted.items() if key not in stored]
        for start in range(0, len(missing), WRITE_BATCH):
            await self._insert(missing[start : start + WRITE_BATCH])

    async def _insert(self, documents: list[dict[str, Any]]) -> None:
        """Insert, an entry already there (written by a concurrent pass) skipped."""
        try:
            await self.collection.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if not errors or any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise

    async def _changed(self, users: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """The stored user (``{_id}`` alone if gone) of each of ``users`` whose
        name is no longer the one given."""
        cursor = self.database.collection(USERS).find(
            {ID_FIELD: {"$in": list(users)}}, {"name": 1, CREATION_TIME: 1}
        )
        stored: dict[str, dict[str, Any]] = {str(doc[ID_FIELD]): doc async for doc in cursor}
        return {
            user_id: stored.get(user_id, {ID_FIELD: user_id})
            for user_id, user in users.items()
            if stored.get(user_id, {}).get("name") != user.get("name")
        }

    async def clear(self) -> None:
        await self.collection.delete_many({})

    @staticmethod
    def scans(entry: str, after: RankKey | None) -> list[dict[str, Any]]:
        """The queries of a page after ``after``, in ranking order: at most
        three equality/range scans (no ``$or``, which one engine answers by
        scanning)."""
        if after is None:
            return [{ENTRY: entry}]
        rel, time, user = -after[0], -after[1], mirror_id(after[2])
        return [
            {ENTRY: entry, RELEVANCE: rel, TIME: time, USER: {"$gt": user}},
            {ENTRY: entry, RELEVANCE: rel, TIME: {"$gt": time}},
            {ENTRY: entry, RELEVANCE: {"$gt": rel}},
        ]

    def find(self, query: Mapping[str, Any], limit: int) -> Any:
        """One scan in ranking order; ``hint`` holds MongoDB to ``by_entry_rank``
        (no sort stage), the stand-in engines accept it and keep their plan."""
        return self.collection.find(
            dict(query),
            {ID_FIELD: 0, RELEVANCE: 1, TIME: 1, USER: 1},
            sort=RANK_SORT,
            limit=limit,
            hint=RANK_KEYS,
        )

    async def page(self, entry: str, after: RankKey | None, limit: int) -> list[RankKey]:
        """Up to ``limit`` (relevance, time, user) in ranking order after ``after``."""
        found: list[RankKey] = []
        for query in self.scans(entry, after):
            if len(found) >= limit:
                break
            found += [
                (-float(d[RELEVANCE]), -float(d[TIME]), unmirror_id(str(d[USER])))
                async for d in self.find(query, limit - len(found))
            ]
        return found

    async def count(self, entry: str, cap: int) -> int:
        """Matches of ``entry``, counted up to ``cap`` (``$match`` + ``$limit`` + ``$count``)."""
        pipeline = [{"$match": {ENTRY: entry}}, {"$limit": cap}, {"$count": "n"}]
        cursor = await self.collection.aggregate(pipeline)
        results = await cursor.to_list(1)
        return int(results[0]["n"]) if results else 0
