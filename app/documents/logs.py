"""Append-only logs read newest first (audit logs, security events).

Both are read the same way: equality filters, each served by an index ending
in ``_creationTime``, newest first, a keyset page. The filters are a frozen
dataclass of optional values that checks its own IDs (like IDs in paths), so
one reader serves every log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.documents.cursors import Page
from app.documents.repository import Repository
from app.documents.tables import TableNumbers
from app.rows import DocumentRow


class LogFilters(Protocol):
    """A dataclass of equality filters; ``None`` means "any"."""

    def check_ids(self, tables: TableNumbers) -> None:
        """Raise InvalidId (400, naming the filter) for an ID filter that is not one."""


class LogRepository[Row: DocumentRow](Repository[Row]):
    async def newest(self, filters: LogFilters, *, limit: int, cursor: str | None) -> Page[Row]:
        query = {key: value for key, value in vars(filters).items() if value is not None}
        return await self.paginate(query, order="desc", limit=limit, cursor=cursor)


@dataclass(eq=False)
class LogReader[Row: DocumentRow, Filters: LogFilters]:
    """Reading a log: the filters' ID checks, then one keyset page."""

    repository: LogRepository[Row]

    async def newest(self, filters: Filters, *, limit: int, cursor: str | None) -> Page[Row]:
        filters.check_ids(self.repository.tables)
        return await self.repository.newest(filters, limit=limit, cursor=cursor)
