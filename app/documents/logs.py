"""Append-only logs read newest first (audit logs, security events).

Both are read the same way: equality filters, each served by an index ending
in ``_creationTime``, newest first, a keyset page. A log's filters are a frozen
``LogFilters`` dataclass whose fields name the index that serves them and how
their value is checked as an ID (like IDs in paths): the collection's indexes
are derived from it, and one reader serves every log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymongo import IndexModel

from app.documents.base import by_creation
from app.documents.cursors import Page
from app.documents.repository import Repository
from app.documents.tables import TableNumbers
from app.rows import DocumentRow

# Checks a filter's value as an ID (app/documents/filter_ids.py): (tables, value, field).
type IdCheck = Callable[[TableNumbers, str, str], str]
_INDEX, _ID_CHECK = "index", "id_check"


def log_filter(index: str, id_check: IdCheck | None = None) -> Any:
    """A ``LogFilters`` field: an optional equality filter served by the index
    ``index`` (fields naming one index are its keys, in order)."""
    return dataclasses.field(default=None, metadata={_INDEX: index, _ID_CHECK: id_check})


@dataclass(frozen=True)
class LogFilters:
    """A log's equality filters; ``None`` means "any"."""

    def check_ids(self, tables: TableNumbers) -> None:
        """Raise InvalidId (400, naming the filter) for an ID filter that is not one."""
        for field in dataclasses.fields(self):
            check, value = field.metadata[_ID_CHECK], getattr(self, field.name)
            if check is not None and value is not None:
                check(tables, value, field.name)


def log_indexes(filters: type[LogFilters]) -> list[IndexModel]:
    """The indexes ``filters`` names, each ending in ``_creationTime``, and
    ``by_creation_time`` for the unfiltered list."""
    keys: dict[str, list[str]] = {}
    for field in dataclasses.fields(filters):
        keys.setdefault(field.metadata[_INDEX], []).append(field.name)
    indexes = [by_creation(*fields, name=name) for name, fields in keys.items()]
    return [*indexes, by_creation(name="by_creation_time")]


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
