"""Convex table numbers: the number each of the panel's tables carries in its IDs.

Before any import the numbers come from the settings (``APP_CONVEX_TABLE_NUMBERS``).
An import remembers the deployment's numbers in ``convex_tables`` (one document
``{_id: <panel table name>, number}`` per table); every process reads them
when its database is bound, before it serves a request or runs a command, and
stored numbers win over the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pymongo.errors import DuplicateKeyError

from app.config import DEFAULT_CONVEX_TABLE_NUMBERS, check_table_numbers
from app.documents.ids import mint, parse_id

logger = logging.getLogger("app.documents")

COLLECTION = "convex_tables"


class TableNumberConflict(Exception):
    """An import would change a table's remembered number (the IDs stored would
    no longer match it) or give one number to two tables."""


class TableNumbers:
    """This process's view of the numbers: what new IDs carry and what an ID
    given for a table must decode to."""

    def __init__(self, numbers: Mapping[str, int] = DEFAULT_CONVEX_TABLE_NUMBERS) -> None:
        self._numbers = dict(check_table_numbers({**DEFAULT_CONVEX_TABLE_NUMBERS, **numbers}))

    def number(self, table: str) -> int:
        return self._numbers[table]

    def as_dict(self) -> dict[str, int]:
        return dict(self._numbers)

    def update(self, numbers: Mapping[str, int]) -> None:
        self._numbers = check_table_numbers({**self._numbers, **numbers})

    def mint(self, table: str, *, entropy: bytes | None = None, at_ms: float | None = None) -> str:
        return mint(self._numbers[table], entropy=entropy, at_ms=at_ms)

    def parse(self, table: str, value: object) -> str:
        """``value`` if it is an ID of ``table`` (or a legacy ObjectId), else 400 INVALID_ID."""
        return parse_id(value, self._numbers[table])


class ConvexTables:
    """The ``convex_tables`` collection, kept in step with ``numbers``.

    Read on the raw collection: ``load`` runs before the database counts as
    ready (``Database.before_ready``), when repositories still answer 503.
    """

    def __init__(self, database: Any, numbers: TableNumbers) -> None:
        self.database = database
        self.table_numbers = numbers

    @property
    def collection(self) -> Any:
        return self.database[COLLECTION]

    async def numbers(self) -> dict[str, int]:
        """The remembered numbers (empty before any import)."""
        return {
            str(document["_id"]): int(document["number"])
            async for document in self.collection.find({})
        }

    async def remember(self, numbers: Mapping[str, int]) -> None:
        """Store the numbers of an import's tables and use them from now on.

        Idempotent; a number that differs from a remembered one, or one that
        another table has, raises ``TableNumberConflict`` before anything is
        written. Only the panel's four tables are accepted (``ValueError``).
        """
        wanted = dict(numbers)
        unknown = sorted(set(wanted) - set(DEFAULT_CONVEX_TABLE_NUMBERS))
        if unknown:
            raise ValueError(f"not a table of this service: {', '.join(unknown)}")
        stored = await self.numbers()
        self._check(stored, wanted)
        try:
            merged = check_table_numbers({**self.table_numbers.as_dict(), **stored, **wanted})
        except ValueError as exc:  # one number for two tables (one of them from the settings)
            raise TableNumberConflict(str(exc)) from exc
        for table, number in wanted.items():
            if table not in stored:
                try:
                    await self.collection.insert_one({"_id": table, "number": number})
                except DuplicateKeyError:
                    pass  # a concurrent import: checked below
        self._check(await self.numbers(), wanted)
        self.table_numbers.update(merged)

    @staticmethod
    def _check(stored: Mapping[str, int], wanted: Mapping[str, int]) -> None:
        owners = {number: table for table, number in stored.items()}
        for table, number in wanted.items():
            if stored.get(table, number) != number:
                raise TableNumberConflict(
                    f"Convex table {table!r} is remembered with number {stored[table]}, "
                    f"not {number}: this database holds another deployment's documents"
                )
            if owners.get(number, table) != table:
                raise TableNumberConflict(
                    f"Convex table number {number} is remembered for {owners[number]!r}, "
                    f"not {table!r}"
                )

    async def load(self) -> None:
        """Use the remembered numbers (over the settings') from now on."""
        stored = await self.numbers()
        self.table_numbers.update(stored)
        source = "database" if stored else "settings"
        numbers = ", ".join(f"{t}={n}" for t, n in sorted(self.table_numbers.as_dict().items()))
        logger.info("convex table numbers (%s): %s", source, numbers)
