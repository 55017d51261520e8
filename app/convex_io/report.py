"""What an import did, table by table: printed as a summary and written as JSON
(``--report FILE``). Reasons name fields and IDs, never values of secrets."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class TableStats:
    table: str  # the panel's table name
    collection: str | None  # None: not imported (listed with its count)
    era: str | None = None  # "uniform" or "inferred" (the older export)
    read: int = 0
    imported: int = 0
    skipped: int = 0
    conflicts: int = 0
    invalid: int = 0
    unknown_fields: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def documents_per_second(self) -> float:
        return self.imported / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "unknown_fields": dict(sorted(self.unknown_fields.items())),
            "seconds": round(self.seconds, 3),
            "documents_per_second": round(self.documents_per_second, 1),
        }


@dataclass(frozen=True)
class Problem:
    """A document that was not imported, and why."""

    table: str
    line: int | None
    document_id: str | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "line": self.line,
            "id": self.document_id,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        where = f"{self.table}/documents.jsonl line {self.line}" if self.line else self.table
        ident = f" ({self.document_id})" if self.document_id else ""
        return f"{where}{ident}: {self.reason}"


@dataclass(frozen=True)
class Conflict:
    """Two documents that the service cannot both keep (same ``field`` value)."""

    table: str
    field: str  # "email" (after normalization) or "_id"
    value: str
    first_id: str  # kept by keep-first; an existing document's ID when already stored
    other_id: str
    resolution: str  # refused | kept first | skipped both | skipped (exists)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"{self.table}.{self.field} {self.value!r}: {self.first_id} and {self.other_id}"
            f" ({self.resolution})"
        )


@dataclass
class ImportReport:
    source: str
    database: str
    mode: str
    dry_run: bool
    unknown_fields_policy: str
    on_conflict: str
    tables: list[TableStats] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    table_numbers: dict[str, int] | None = None
    refused: list[str] = field(default_factory=list)  # why nothing (more) was written
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.refused

    def table(self, name: str) -> TableStats:
        return next(stats for stats in self.tables if stats.table == name)

    def totals(self) -> TableStats:
        total = TableStats(table="total", collection=None, seconds=self.seconds)
        for stats in self.tables:
            total.read += stats.read
            total.imported += stats.imported
            total.skipped += stats.skipped
            total.conflicts += stats.conflicts
            total.invalid += stats.invalid
            total.unknown_fields.update(stats.unknown_fields)
        return total

    def as_json(self) -> dict[str, Any]:
        nested = ("tables", "problems", "conflicts")
        plain = {item.name: getattr(self, item.name) for item in fields(self)}
        return {
            "ok": self.ok,
            **{name: value for name, value in plain.items() if name not in nested},
            "seconds": round(self.seconds, 3),
            "tables": [stats.as_json() for stats in self.tables],
            "total": self.totals().as_json(),
            "problems": [problem.as_json() for problem in self.problems],
            "conflicts": [conflict.as_json() for conflict in self.conflicts],
            "table_numbers": self.table_numbers,
        }
