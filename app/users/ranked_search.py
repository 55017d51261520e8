"""Ranked search entries: one small document per (user, search entry).

The embedded engine answers any query on an array by scanning, so the
``searchTokens`` array cannot serve a search there. This side collection holds,
per user, one document for each entry a query of one or two terms looks up
(``p:<prefix>``, ``c:<word> <prefix>``) with the relevance of exactly that
query, the user's ``_creationTime`` and ``_id``. Under the index
(entry, relevance desc, time desc, user desc) a page comes back in ranking
order from one equality lookup with ``limit`` = page + 1, on every engine.

Every write of a name replaces the user's entries; ``db reindex-search``
rebuilds them. Other queries (three terms or more, a prefix longer than
``MAX_PREFIX``, any filter) keep using ``searchTokens``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from beanie import Document
from pymongo import ASCENDING, DESCENDING, DeleteMany, IndexModel, InsertOne

from app.documents import CREATION_TIME, ID_FIELD
from app.users.search import MAX_PREFIX, SearchQuery, relevance, tokenize

COLLECTION = "user_search"
ENTRY, RELEVANCE, TIME, USER = "e", "r", "t", "u"
RANK_SORT = [(RELEVANCE, DESCENDING), (TIME, DESCENDING), (USER, DESCENDING)]


class SearchEntry(Document):
    e: str
    r: float
    t: float
    u: str

    class Settings:
        name = COLLECTION
        indexes = [
            IndexModel([(ENTRY, ASCENDING), *RANK_SORT], name="by_entry_rank"),
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
    return [
        {ENTRY: entry, RELEVANCE: relevance(query, name), TIME: float(creation_time), USER: user_id}
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


class RankedSearch:
    """Reads and writes of the side collection (``database.collection(name)``)."""

    def __init__(self, database: Any) -> None:
        self.database = database

    @property
    def collection(self) -> Any:
        return self.database.collection(COLLECTION)

    async def replace(self, users: Sequence[Mapping[str, Any]]) -> None:
        """The entries of these users, recomputed from their stored names
        (one equality delete per user: ``$in`` on a scalar scans on one engine)."""
        if not users:
            return
        operations: list[Any] = [DeleteMany({USER: str(user[ID_FIELD])}) for user in users]
        operations += [InsertOne(entry) for entry in users_entries(users)]
        await self.collection.bulk_write(operations, ordered=True)

    async def add(self, users: Sequence[Mapping[str, Any]]) -> None:
        """Entries of users that have none yet (a create, an import into an empty table)."""
        if documents := users_entries(users):
            await self.collection.insert_many(documents, ordered=False)

    async def clear(self) -> None:
        await self.collection.delete_many({})

    async def page(
        self, entry: str, after: tuple[float, float, str] | None, limit: int
    ) -> list[tuple[float, float, str]]:
        """Up to ``limit`` (relevance, time, user) in ranking order after
        ``after``: at most three equality/range scans on ``by_entry_rank``
        (no ``$or``, which the embedded engine answers by scanning)."""
        if after is None:
            scans: list[dict[str, Any]] = [{ENTRY: entry}]
        else:
            rel, time, user = after
            scans = [
                {ENTRY: entry, RELEVANCE: rel, TIME: time, USER: {"$lt": user}},
                {ENTRY: entry, RELEVANCE: rel, TIME: {"$lt": time}},
                {ENTRY: entry, RELEVANCE: {"$lt": rel}},
            ]
        found: list[tuple[float, float, str]] = []
        for query in scans:
            if len(found) >= limit:
                break
            cursor = self.collection.find(
                query,
                {ID_FIELD: 0, RELEVANCE: 1, TIME: 1, USER: 1},
                sort=RANK_SORT,
                limit=limit - len(found),
            )
            found += [(float(d[RELEVANCE]), float(d[TIME]), str(d[USER])) async for d in cursor]
        return found

    async def count(self, entry: str, cap: int) -> int:
        """Matches of ``entry``, counted up to ``cap`` (``$match`` + ``$limit`` + ``$count``)."""
        pipeline = [{"$match": {ENTRY: entry}}, {"$limit": cap}, {"$count": "n"}]
        cursor = await self.collection.aggregate(pipeline)
        results = await cursor.to_list(1)
        return int(results[0]["n"]) if results else 0
