"""Helpers of the Convex import and export tests: the CLI in-process, the
fixture exports, and the four collections as plain documents."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from litestar.cli.main import litestar_group

from tests.integration.helpers import Store
from tests.support.panel_data import PanelData, Proportions, panel_data

COLLECTIONS = ("users", "sessions", "security_events", "audit_logs")
# What a real migration of the fixture needs: its unknown fields kept, the
# duplicate email decided, the malformed line left out.
FORGIVING = ("--unknown-fields", "keep", "--on-conflict", "keep-first", "--skip-invalid")
MALFORMED_AT = 3


async def cli(*args: str) -> tuple[int, str]:
    """``litestar <args>`` in a thread (the commands run their own event loop):
    the exit code and everything printed."""

    def invoke() -> tuple[int, str]:
        result = CliRunner().invoke(litestar_group, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return await asyncio.to_thread(invoke)


async def import_convex(path: Path, *options: str, report: Path | None = None) -> tuple[int, str]:
    extra = ("--report", str(report)) if report else ()
    return await cli("db", "import-convex", str(path), *options, *extra)


def read_report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    return report


async def collections(store: Store) -> dict[str, list[dict[str, Any]]]:
    """The four collections, each sorted by ``_id``."""
    return {name: await store.db[name].find({}).sort("_id", 1).to_list() for name in COLLECTIONS}


async def counts(store: Store) -> dict[str, int]:
    return {name: len(docs) for name, docs in (await collections(store)).items()}


def small_data() -> PanelData:
    """Few documents of every kind (the slower test engine writes ~250 a second)."""
    return panel_data(24, seed=5, proportions=Proportions(0.5, 0.5, 0.5, 0.25))
