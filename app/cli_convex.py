"""``litestar db import-convex PATH`` and ``litestar db export-convex OUT.zip``
(``scripts/manage db …``): moving the panel's data from Convex and back."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click
from litestar import Litestar

from app.container import Container
from app.convex_io.console import RichProgress, make_console, render_summary
from app.convex_io.export import ExportError, ExportResult, export_snapshot
from app.convex_io.importer import (
    MODES,
    ON_CONFLICT,
    UNKNOWN_FIELDS,
    ConvexImporter,
    ImportOptions,
)
from app.convex_io.report import ImportReport
from app.convex_io.repository import BulkDocuments
from app.convex_io.snapshot import Snapshot, SnapshotError

Runner = Callable[[Litestar, Callable[[Container], Awaitable[Any]]], Any]
DAY_MS = 86_400_000


def _targets(services: Container) -> dict[str, BulkDocuments]:
    """The collections, by the panel's table names."""
    return {
        "users": BulkDocuments(services.users_repository, services.ranked_search),
        "user_sessions": BulkDocuments(services.sessions_repository),
        "security_events": BulkDocuments(services.security_events_repository),
        "audit_logs": BulkDocuments(services.audit_logs_repository),
    }


def _run_showing(
    run: Runner, app: Litestar, work: Callable[[Container], Awaitable[Any]], progress: RichProgress
) -> Any:
    """``work`` with the progress bars closed at the end; an unreadable export
    or an unwritable file is one line."""
    try:
        return run(app, work)
    except (SnapshotError, ExportError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()


def add_convex_commands(db: click.Group, run: Runner) -> None:
    @db.command(
        "import-convex",
        help="Import a Convex snapshot export (the .zip of `npx convex export`, or its folder).",
    )
    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--mode", type=click.Choice(MODES), default=MODES[0], show_default=True)
    @click.option("--dry-run", is_flag=True, help="Read, check and report; write nothing.")
    @click.option(
        "--unknown-fields",
        type=click.Choice(UNKNOWN_FIELDS),
        default=UNKNOWN_FIELDS[0],
        help="Fields the service does not know: keep (stored, returned by reads) or drop.",
    )
    @click.option(
        "--on-conflict",
        type=click.Choice(ON_CONFLICT),
        default=ON_CONFLICT[0],
        help="Same email twice: skip both, or keep the first created.",
    )
    @click.option("--skip-invalid", is_flag=True, help="Import the rest when documents are bad.")
    @click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True)
    def import_convex(app: Litestar, path: Path, report_path: Path | None, **choices: Any) -> None:
        progress = RichProgress(make_console(stderr=True))

        async def work(services: Container) -> ImportReport:
            settings = services.settings
            options = ImportOptions(
                **choices, session_history_ms=settings.security_event_retention_days * DAY_MS
            )
            report = ImportReport(
                source=str(path),
                database=settings.database,
                mode=options.mode,
                dry_run=options.dry_run,
                unknown_fields_policy=options.unknown_fields,
                on_conflict=options.on_conflict,
            )
            with Snapshot(path) as snapshot:
                importer = ConvexImporter(
                    snapshot, _targets(services), services.convex_tables, options, report, progress
                )
                return await importer.run()

        report: ImportReport = _run_showing(run, app, work, progress)
        render_summary(report, make_console())
        if report_path is not None:
            report_path.write_text(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
            click.echo(f"report written to {report_path}")
        if not report.ok:
            raise click.exceptions.Exit(1)

    @db.command(
        "export-convex",
        help="Write users, sessions, security events and audit logs as a Convex snapshot"
        " export (current format). It contains password hashes: the file is mode 0600.",
    )
    @click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
    def export_convex(app: Litestar, out: Path, overwrite: bool) -> None:
        progress = RichProgress(make_console(stderr=True))

        async def work(services: Container) -> ExportResult:
            remembered = services.table_numbers.as_dict()
            return await export_snapshot(
                out, _targets(services), remembered, overwrite=overwrite, progress=progress
            )

        result: ExportResult = _run_showing(run, app, work, progress)
        for name, count in result.documents.items():
            number = result.table_numbers[name]
            click.echo(f"{name} (table {number}): {count} document(s)")
        for name, count in result.foreign_ids.items():
            click.echo(f"warning: {count} {name} document(s) have IDs Convex does not accept")
        click.echo(
            f"wrote {result.path}: it contains password hashes; only its owner can read it"
            " (mode 0600): keep it private"
        )
