"""What an import or export shows while it runs (a progress bar per table, on
stderr) and at the end (the summary table and what stood in the way)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from app.convex_io.report import ImportReport, TableStats

LISTED = 50  # problems and conflicts printed; --report holds all of them


def make_console(*, stderr: bool = False) -> Console:
    """Wide enough for the summary when the output is a file or a pipe."""
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console.width = 160
    return console


class RichProgress:
    """One bar per table and pass; the bars stay on screen."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<26}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self._task: TaskID | None = None
        self._running = False

    def start(self, description: str, total: int) -> None:
        if not self._running:
            self._progress.start()
            self._running = True
        self._task = self._progress.add_task(description, total=total)

    def advance(self, count: int) -> None:
        if self._task is not None and count:
            self._progress.advance(self._task, count)

    def stop(self) -> None:
        if self._task is not None:
            total = self._progress.tasks[-1].total
            self._progress.update(self._task, completed=total)
            self._task = None

    def close(self) -> None:
        if self._running:
            self._progress.stop()
            self._running = False


def _unknown(stats: TableStats) -> str:
    return str(sum(stats.unknown_fields.values())) if stats.unknown_fields else "0"


def _row(stats: TableStats) -> list[str]:
    return [
        stats.table,
        stats.collection or ("" if stats.table == "total" else "(not imported)"),
        f"{stats.read:,}",
        f"{stats.imported:,}",
        f"{stats.skipped:,}",
        f"{stats.conflicts:,}",
        _unknown(stats),
        f"{stats.seconds:.2f}",
        f"{stats.documents_per_second:,.0f}",
    ]


def render_summary(report: ImportReport, console: Console) -> None:
    title = "Convex import (dry run: nothing written)" if report.dry_run else "Convex import"
    table = Table(title=f"{title}, mode {report.mode}")
    for column in ("table", "collection"):
        table.add_column(column)
    for column in (
        "read",
        "imported" if not report.dry_run else "would import",
        "skipped",
        "conflicts",
        "unknown fields",
        "seconds",
        "documents/s",
    ):
        table.add_column(column, justify="right")
    for stats in report.tables:
        table.add_row(*_row(stats))
    table.add_row(*_row(report.totals()), style="bold")
    console.print(table)
    for stats in report.tables:
        for name, count in sorted(stats.unknown_fields.items()):
            console.print(
                f"unknown field {stats.table}.{name}: {count} document(s)"
                f" ({report.unknown_fields_policy})"
            )
    _listed(console, "cannot be imported", [str(problem) for problem in report.problems])
    _listed(console, "conflict", [str(conflict) for conflict in report.conflicts])
    if report.table_numbers is None:
        console.print("no _tables/documents.jsonl: table numbers not recorded")
    for reason in report.refused:
        console.print(f"[bold red]not imported:[/] {reason}", highlight=False)


def _listed(console: Console, label: str, lines: list[str]) -> None:
    for line in lines[:LISTED]:
        console.print(f"{label}: {line}", highlight=False, markup=False)
    if len(lines) > LISTED:
        console.print(f"... and {len(lines) - LISTED} more ({label}); --report FILE lists all")
