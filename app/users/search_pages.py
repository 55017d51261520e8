"""Pages of a name search, read two ways (``UsersService.search`` picks one):

- from the ranked entries (app/users/ranked_search.py): one or two terms
  without filters, read in ranking order, one index lookup per page;
- from the ``searchTokens`` candidates ranked in memory: everything else.

Both give the same results in the same order, at most
``MAX_SEARCH_CANDIDATES``, and cursors bound to the query's fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.documents import CursorCodec, Page
from app.rows import UserRow
from app.users.ranked_search import RankedSearch
from app.users.repository import UsersRepository
from app.users.search import SearchQuery, ranking_key, search_tokens

MAX_SEARCH_CANDIDATES = 1024


@dataclass(frozen=True)
class UserPage:
    page: Page[UserRow]
    total: int | None


@dataclass(eq=False)
class SearchPages:
    users: UsersRepository
    cursors: CursorCodec
    ranked: RankedSearch

    async def ranked_page(
        self, entry: str, fingerprint: bytes, limit: int, cursor: str | None, with_total: bool
    ) -> UserPage:
        """A page read in ranking order from the search entries; the cursor
        carries the last key and how many came before (the same 1024 cap)."""
        after: tuple[float, float, str] | None = None
        position = 0
        if cursor:
            rel, time, last, position = self.cursors.decode(
                fingerprint, cursor, (float, float, str, int)
            )
            after = (rel, time, last)
        room = max(0, min(limit, MAX_SEARCH_CANDIDATES - position))
        keys = await self.ranked.page(entry, after, room + 1) if room else []
        chunk = keys[:room]
        is_done = len(keys) <= room or position + room >= MAX_SEARCH_CANDIDATES
        next_cursor = (
            self.cursors.encode(fingerprint, [*chunk[-1], position + len(chunk)])
            if chunk
            else (cursor or "")
        )
        total = await self.ranked.count(entry, MAX_SEARCH_CANDIDATES) if with_total else None
        return await self._page([key[2] for key in chunk], next_cursor, is_done, total)

    async def in_memory_page(
        self,
        query: SearchQuery,
        filter_query: dict[str, Any],
        fingerprint: bytes,
        limit: int,
        cursor: str | None,
        with_total: bool,
    ) -> UserPage:
        candidates = await self.users.search_candidates(
            query.index_terms(), filter_query, MAX_SEARCH_CANDIDATES
        )
        # Relevance computed once per candidate (it dominates the CPU of a search).
        keyed = sorted((ranking_key(query, user) for user in candidates), reverse=True)
        start = 0
        if cursor:
            after = tuple(self.cursors.decode(fingerprint, cursor, (float, float, str)))
            # Ranked order is (relevance desc, time desc, id desc): skip up to `after`.
            start = next((i for i, key in enumerate(keyed) if key < after), len(keyed))
        chunk = keyed[start : start + limit]
        is_done = start + limit >= len(keyed)
        next_cursor = self.cursors.encode(fingerprint, list(chunk[-1])) if chunk else (cursor or "")
        total = len(keyed) if with_total else None
        return await self._page([key[2] for key in chunk], next_cursor, is_done, total)

    async def _page(
        self, ids: list[str], next_cursor: str, is_done: bool, total: int | None
    ) -> UserPage:
        documents = await self.users.get_many(ids)
        return UserPage(
            Page([doc for doc in documents if doc is not None], next_cursor, is_done), total
        )

    async def reindex(self, batch: int = 500) -> int:
        """Recompute every user's search helpers and ranked entries (after a
        change of tokenizer, or to repair the entries)."""
        done, after = 0, None
        while users := await self.users.names(after, batch):
            await self.users.set_search_tokens(
                {user["_id"]: search_tokens(user["name"]) for user in users}
            )
            await self.ranked.replace(users)
            done += len(users)
            after = users[-1]["_id"]
        return done
