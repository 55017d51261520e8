"""``scripts/bench import``: the Convex import of a large panel export on the
embedded engine, run as an operator runs it.

Method
------
* Data: ``tests/support/panel_data`` with its default proportions (per user
  0.5 sessions, 1 security event, 0.5 audit logs; 0.1 documents of a table the
  service does not own, read and skipped), Turkish names, real bcrypt hashes
  (a few, computed once and shared), written as a current-era ("uniform")
  ZIP. Generating it is not timed.
* Import: ``scripts/manage db import-convex snapshot.zip --report r.json`` in
  a fresh process, on a fresh data directory, without ``APP_MONGODB_URL``: the
  command starts the embedded engine (nx-27017) itself, under the data
  directory's lock, and stops it at the end.
* Figures: documents written per second of the import itself (the report's
  seconds: both passes, from the first line read to the last batch
  written) and per second of the whole command (process, engine start and
  stop included), and each table's own rate. One round unless ``--rounds``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.report import machine_line, package_version, print_table
from tests.bench.stats import Figure
from tests.support.convex_export import write_export
from tests.support.panel_data import panel_data
from tests.support.processes import ROOT, free_port

TARGET = 2000.0  # documents/s on the embedded engine
MANAGE = ROOT / "scripts" / "manage"


def run_import(export: Path, work: Path) -> tuple[dict[str, Any], float]:
    """One import in a fresh data directory: (its report, wall seconds)."""
    data_dir = Path(tempfile.mkdtemp(prefix="data-", dir=work))
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    env.update(APP_DATA_DIR=str(data_dir), APP_ENGINE_PORT=str(free_port()))
    report = work / f"report-{data_dir.name}.json"
    started = time.monotonic()
    done = subprocess.run(
        [str(MANAGE), "db", "import-convex", str(export), "--report", str(report)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"the import failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(report.read_text())
    return result, wall


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench import", description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--output", default="bench-import-results.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
        work = Path(directory)
        started = time.monotonic()
        data = panel_data(args.users, seed=1, duplicate_email=False, unknown_fields=False)
        export = write_export(data, work / "snapshot.zip")
        size = export.stat().st_size / 1024 / 1024
        print("Convex import benchmark (scripts/bench import)")
        print(f"machine:  {machine_line()}")
        print(f"versions: nx-27017 {package_version('nx-27017')}, rich {package_version('rich')}")
        counts = {table: len(docs) for table, docs in data.tables.items()}
        print(
            f"export:   {counts} ({size:.1f} MiB ZIP, made in {time.monotonic() - started:.0f} s)"
        )
        print("method:   tests/bench/imports.py; scripts/manage in a fresh process and data")
        print("          directory, its own embedded engine; the rate is documents written")
        rates, walls, tables = [], [], {}
        for _ in range(args.rounds):
            report, wall = run_import(export, work)
            total = report["total"]
            rates.append(total["imported"] / report["seconds"])
            walls.append(total["imported"] / wall)
            for table in report["tables"]:
                if table["collection"]:
                    tables.setdefault(table["table"], []).append(table["documents_per_second"])
            print(f"round:    {total['imported']:,} documents in {report['seconds']:.1f} s")
    figures = [
        Figure("import.rate", "docs/s", rates, target=TARGET),
        Figure("import.rate_with_start", "docs/s", walls),
        *(Figure(f"import.{name}.rate", "docs/s", values) for name, values in tables.items()),
    ]
    print()
    print_table(figures)
    Path(args.output).write_text(json.dumps([f.record() for f in figures], indent=2) + "\n")
    print(f"\nwrote {args.output}")
    return 0 if figures[0].met else 1
