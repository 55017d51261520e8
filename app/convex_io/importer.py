"""An import, from the first line read to the table numbers remembered.

Two passes over the export: the first reads and checks every document and
finds the conflicts, writing nothing; only when nothing stands in the way
(or ``--dry-run`` stops there) does the second read it again and write in
batches. Documents keep their ``_id`` and ``_creationTime``.

Modes, as Convex's own import: ``require-empty`` refuses when a target
collection holds documents; ``append`` inserts (an ``_id`` already stored is a
conflict); ``replace`` empties each target collection of a table in the
export first; ``upsert`` replaces documents by ``_id`` and inserts the rest,
so the same import twice leaves the database as it was.
"""

from __future__ import annotations

import asyncio
import time
from asyncio import FIRST_COMPLETED
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.config import DEFAULT_CONVEX_TABLE_NUMBERS
from app.convex_io.checks import (
    FAIL,
    TableCheck,
    check_table,
    email_conflicts,
    stored_email_conflicts,
    stored_id_conflicts,
)
from app.convex_io.report import Conflict, ImportReport, Problem, TableStats
from app.convex_io.repository import BulkDocuments
from app.convex_io.snapshot import Snapshot
from app.convex_io.tables import Invalid, Options, TableMapping, mappings
from app.convex_io.values import BadValue
from app.documents import ID_FIELD, ConvexTables, TableNumberConflict

MODES = ("require-empty", "append", "replace", "upsert")
IN_FLIGHT = 2  # batches being written at once
UNKNOWN_FIELDS = ("refuse", "keep", "drop")
ON_CONFLICT = ("fail", "skip", "keep-first")


@dataclass(frozen=True)
class ImportOptions:
    mode: str = "require-empty"
    dry_run: bool = False
    unknown_fields: str = "refuse"
    on_conflict: str = FAIL
    skip_invalid: bool = False
    batch_size: int = 500
    session_history_ms: float = 365 * 86_400_000


class ProgressSink(Protocol):
    def start(self, description: str, total: int) -> None: ...

    def advance(self, count: int) -> None: ...

    def stop(self) -> None: ...


class NoProgress:
    def start(self, description: str, total: int) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class ConvexImporter:
    snapshot: Snapshot
    targets: Mapping[str, BulkDocuments]  # by panel table name
    tables: ConvexTables
    options: ImportOptions
    report: ImportReport
    progress: ProgressSink = field(default_factory=NoProgress)

    async def run(self) -> ImportReport:
        started = time.monotonic()
        try:
            await self._run()
        finally:
            self.report.seconds = time.monotonic() - started
        return self.report

    async def _run(self) -> None:
        report, snapshot = self.report, self.snapshot
        report.table_numbers = snapshot.table_numbers()
        own, other = snapshot.tables()
        known = mappings()
        for name in [table for table in own if table not in known] + other:
            count = snapshot.count(name)
            report.tables.append(TableStats(name, None, read=count, skipped=count))
        checks = [self._check(mapping) for mapping in known.values() if mapping.panel in own]
        report.tables[:0] = [check.stats for check in checks]
        if self.options.mode == "require-empty":
            for check in checks:
                if not await self.targets[check.mapping.panel].is_empty():
                    report.refused.append(
                        f"{check.mapping.collection} is not empty (--mode append, replace or"
                        " upsert imports into it)"
                    )
        left_out = await self._conflicts(checks)
        self._decide(checks)
        if report.refused or self.options.dry_run:
            if self.options.dry_run and not report.refused:
                for check in checks:  # what the import would write
                    check.stats.imported = len(set(check.ids) - left_out)
                    check.stats.skipped = check.stats.read - check.stats.imported
            return
        # Before any write: a database that holds another deployment's
        # documents (other table numbers) is refused with nothing changed.
        numbers = {
            t: n
            for t, n in (report.table_numbers or {}).items()
            if t in DEFAULT_CONVEX_TABLE_NUMBERS
        }
        try:
            await self.tables.remember(numbers)
        except TableNumberConflict as exc:
            report.refused.append(str(exc))
            return
        if self.options.mode == "replace":
            for check in checks:
                await self.targets[check.mapping.panel].clear()
        for check in checks:
            await self._write(check, left_out)

    def _check(self, mapping: TableMapping) -> TableCheck:
        stats = TableStats(mapping.panel, mapping.collection)
        self.progress.start(f"checking {mapping.panel}", self.snapshot.count(mapping.panel))
        started = time.monotonic()
        try:
            check = check_table(self.snapshot, mapping, stats, self.progress.advance)
        finally:
            self.progress.stop()
        stats.seconds += time.monotonic() - started
        self.report.problems.extend(check.problems)
        return check

    async def _conflicts(self, checks: list[TableCheck]) -> set[str]:
        """Every conflict of the export, within itself and with what is stored."""
        policy, mode = self.options.on_conflict, self.options.mode
        found: list[Conflict] = []
        left_out: set[str] = set()
        for check in checks:
            target = self.targets[check.mapping.panel]
            if check.users:
                conflicts, skipped = email_conflicts(check.users, policy)
                found += conflicts
                left_out |= skipped
                if mode in ("append", "upsert"):
                    remaining = [user for user in check.users if user.document_id not in left_out]
                    imported = {user.document_id for user in remaining}
                    conflicts, skipped = await stored_email_conflicts(
                        remaining, imported, target, policy
                    )
                    found += conflicts
                    left_out |= skipped
            if mode == "append":
                conflicts, skipped = await stored_id_conflicts(
                    check.mapping.panel, check.ids, target, policy
                )
                found += conflicts
                left_out |= skipped
        self.report.conflicts.extend(found)
        for check in checks:
            check.stats.conflicts = sum(1 for c in found if c.table == check.mapping.panel)
        return left_out

    def _decide(self, checks: list[TableCheck]) -> None:
        """What stands in the way of writing (nothing is written if anything does)."""
        options, report = self.options, self.report
        unknown = [
            f"{check.mapping.panel}.{name} ({count})"
            for check in checks
            for name, count in sorted(check.stats.unknown_fields.items())
        ]
        if unknown and options.unknown_fields == "refuse":
            report.refused.append(
                "fields the service does not know: " + ", ".join(unknown) + " (--unknown-fields"
                " keep stores them and reads return them; drop leaves them out)"
            )
        if report.problems and not options.skip_invalid:
            report.refused.append(
                f"{len(report.problems)} document(s) cannot be imported as they are (listed);"
                " fix them in Convex, or --skip-invalid imports the rest"
            )
        if report.conflicts and options.on_conflict == FAIL:
            report.refused.append(
                f"{len(report.conflicts)} conflict(s) (listed); --on-conflict skip or keep-first"
                " decides them"
            )

    def _batches(
        self, check: TableCheck, left_out: set[str], options: Options
    ) -> Iterator[list[dict[str, Any]]]:
        """The stored documents of one table, in batches (the second pass)."""
        mapping = check.mapping
        decoder = self.snapshot.decoder(mapping.panel)
        keep_unknown = self.options.unknown_fields == "keep"
        batch: list[dict[str, Any]] = []
        for number, text in self.snapshot.lines(mapping.panel):
            self.progress.advance(1)
            if isinstance(text, BadValue) or number in check.skip_lines:
                continue
            try:
                mapped = mapping.to_stored(decoder.decode(text), options)
            except (BadValue, Invalid):
                continue  # reported by the first pass
            if mapped.document[ID_FIELD] in left_out:
                continue
            if keep_unknown:
                mapped.document.update(mapped.unknown)
            batch.append(mapped.document)
            if len(batch) >= self.options.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    async def _write(self, check: TableCheck, left_out: set[str]) -> None:
        """A pipeline: the next batch is decoded and mapped in a thread while
        up to ``IN_FLIGHT`` batches are with the database, so the database
        never waits for this process (they use different cores)."""
        stats = check.stats
        options = Options(session_history_ms=self.options.session_history_ms, emails=check.emails)
        batches = self._batches(check, left_out, options)
        self.progress.start(f"writing {check.mapping.panel}", stats.read)
        started = time.monotonic()
        writing: set[asyncio.Task[None]] = set()
        try:
            upcoming = asyncio.create_task(asyncio.to_thread(next, batches, None))
            while (batch := await upcoming) is not None:
                upcoming = asyncio.create_task(asyncio.to_thread(next, batches, None))
                if len(writing) >= IN_FLIGHT:
                    done, writing = await asyncio.wait(writing, return_when=FIRST_COMPLETED)
                    for task in done:
                        task.result()
                writing.add(asyncio.create_task(self._flush(check, batch)))
            await asyncio.gather(*writing)
        finally:
            self.progress.stop()
            stats.seconds += time.monotonic() - started
            stats.skipped = stats.read - stats.imported

    async def _flush(self, check: TableCheck, batch: list[dict[str, Any]]) -> None:
        """Write one batch; what a unique index refused is a conflict (it decides
        races with writes the first pass could not see)."""
        target = self.targets[check.mapping.panel]
        write = target.upsert if self.options.mode == "upsert" else target.insert
        failures = await write(batch)
        check.stats.imported += len(batch) - len(failures)
        table = check.mapping.panel
        for failure in failures:
            document = batch[failure.index]
            if failure.field is None:
                reason = f"not written: {failure.message}"
                self.report.problems.append(Problem(table, None, document[ID_FIELD], reason))
                continue
            value = str(document.get(failure.field, ""))
            owner = (await target.owners(failure.field, [value])).get(value, "?")
            self.report.conflicts.append(
                Conflict(
                    table, failure.field, value, owner, document[ID_FIELD], "refused by the index"
                )
            )
            check.stats.conflicts += 1
        failed = [f for f in failures if f.field is None or self.options.on_conflict == FAIL]
        if failed:
            self.report.refused.append(f"{table}: {len(failed)} document(s) not written (listed)")
