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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from beanie import Document
from pymongo import ASCENDING, IndexModel

from app.documents import CREATION_TIME, ID_FIELD
from app.users.search import MAX_PREFIX, SearchQuery, relevance, tokenize

COLLECTION = "user_search"
ENTRY, RELEVANCE, TIME, USER = "e", "r", "t", "u"
RANK_KEYS = [(ENTRY, ASCENDING), (RELEVANCE, ASCENDING), (TIME, ASCENDING), (USER, ASCENDING)]
RANK_SORT = RANK_KEYS[1:]
WRITE_BATCH = 100

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


def entries(user_id: str, name: str, creation_time: float) -> list[dict[str, Any]]:
    user = mirror_id(user_id)
    return [
        {ENTRY: entry, RELEVANCE: -relevance(query, name), TIME: -float(creation_time), USER: user}
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
        """The entries of these users, recomputed from their stored names.
        The old ones are found by ``u`` (equality: index-served everywhere)
        and deleted by ``_id``: nx-27017 answers a delete by any other field by
        scanning the collection (50 ms at 2,000 users, growing with it)."""
        if not users:
            return
        old: list[Any] = []
        for user in users:
            cursor = self.collection.find({USER: mirror_id(str(user[ID_FIELD]))}, {ID_FIELD: 1})
            old += [entry[ID_FIELD] async for entry in cursor]
        for start in range(0, len(old), WRITE_BATCH):
            await self.collection.delete_many({ID_FIELD: {"$in": old[start : start + WRITE_BATCH]}})
        await self.add(users)

    async def add(self, users: Sequence[Mapping[str, Any]]) -> None:
        """Entries of users that have none yet (a create, an import into an
        empty table), in batches of a few hundred: one stand-in engine stalls
        every client while it writes a large batch."""
        documents = users_entries(users)
        for start in range(0, len(documents), WRITE_BATCH):
            batch = documents[start : start + WRITE_BATCH]
            await self.collection.insert_many(batch, ordered=False)

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
