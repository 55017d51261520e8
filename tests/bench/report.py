"""What a run prints: the machine and versions, the method, the table of
figures and notes; and bench-results.json."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import math
import os
import platform
import statistics
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from tests.bench.chart import write_chart
from tests.bench.context import Bench
from tests.bench.plan import CONCURRENCY, LOGIN_BURST, LOGIN_CONCURRENCY
from tests.bench.stats import Figure


def _cpuinfo_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_total() -> str:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def machine_line() -> str:
    cores = len(os.sched_getaffinity(0))
    return f"{cores} cores (nproc), {_cpuinfo_model()}, {_memory_total()} memory"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions_line(engine: str) -> str:
    parts = [f"Python {platform.python_version()}"]
    parts += [f"{p} {package_version(p)}" for p in ("pymongo", "litestar", "beanie", "granian")]
    parts += [f"uvicorn {package_version('uvicorn')}", f"engine {engine}"]
    return ", ".join(parts)


async def engine_version(mongo: AsyncMongoClient[dict[str, Any]], own: bool) -> str:
    reported = "?"
    for command in ("buildInfo", "serverStatus"):  # nx-27017 answers only the second
        with contextlib.suppress(Exception):
            reported = str((await mongo.admin.command(command))["version"])
            break
    if own:
        return f"nx-27017 {package_version('nx-27017')} (reports MongoDB {reported})"
    return f"external server, MongoDB {reported}"


def _fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 1 else f"{value:.3f}"


def print_table(figures: list[Figure]) -> None:
    width = max(len(f.name) for f in figures)
    header = ("name".ljust(width), "median", "min", "max", "unit", "target", "met")
    print(
        f"{header[0]}  {header[1]:>9} {header[2]:>9} {header[3]:>9}  {header[4]:<9}"
        f" {header[5]:>9}  {header[6]}"
    )
    for fig in figures:
        target = "" if fig.target is None else ("≥ " if fig.at_least else "≤ ") + _fmt(fig.target)
        met = "" if fig.met is None else ("yes" if fig.met else "NO")
        print(
            f"{fig.name.ljust(width)}  {_fmt(fig.value):>9} {_fmt(min(fig.rounds)):>9} "
            f"{_fmt(max(fig.rounds)):>9}  {fig.unit:<9} {target:>9}  {met}"
        )


def print_header(bench: Bench, engine: str, client: str, users: int) -> None:
    sizes = bench.sizes
    print("Panel Users Service benchmark")
    print(f"machine:  {machine_line()}")
    print(f"versions: {versions_line(engine)}")
    print(
        f"method:   fresh database '{bench.database}'; service = `python -m app` (granian, "
        f"1 worker){' + uvicorn 1 worker' if 'uvicorn' in bench.services else ''} in separate "
        f"processes; load from this process ({client} client, keep-alive, closed loop); "
        f"{sizes.rounds} rounds per figure (median, min, max); concurrency {CONCURRENCY} "
        f"for reads, 1 for scale latencies and the /me probe, {LOGIN_CONCURRENCY} for "
        f"logins/s, {LOGIN_BURST} for the memory burst; figures 1-3 at {users:,} users"
    )


def report(bench: Bench, output: Path, chart: Path | None = None) -> None:
    print()
    print_table(bench.figures)
    if bench.client_cpu_us:
        print(
            f"\nload generator CPU: {statistics.median(bench.client_cpu_us):.0f} µs/request "
            "(GET by ID runs, median)"
        )
    for note in bench.notes:
        print(f"note: {note}")
    if bench.problems:
        print("FAILED requests (the first ones; the figures leave them out):")
        for problem in bench.problems:
            print(f"  {problem}")
    output.write_text(json.dumps([f.record() for f in bench.figures], indent=2) + "\n")
    print(f"\nwrote {output}")
    if chart is not None and write_chart(bench.figures, chart, f"scripts/bench, {machine_line()}"):
        print(f"wrote {chart}")


def compare_servers(bench: Bench) -> None:
    """Which server served GET by ID faster; a tie when the per-round ratios straddle 1."""
    by_name = {f.name: f for f in bench.figures}
    ratio = by_name.get("get_by_id.uvicorn_vs_granian")
    if ratio is None:
        return
    rates = (
        f"granian {by_name['get_by_id.granian.rate'].value:,.0f} req/s, "
        f"uvicorn {by_name['get_by_id.uvicorn.rate'].value:,.0f} req/s"
    )
    if min(ratio.rounds) < 1 < max(ratio.rounds):
        verdict = f"no clear winner: uvicorn/granian per round {min(ratio.rounds):.2f}"
        verdict += f"-{max(ratio.rounds):.2f}"
    elif ratio.value > 1:
        verdict = f"uvicorn is faster by {ratio.value - 1:.0%} (every round)"
    else:
        verdict = f"granian is faster by {1 / ratio.value - 1:.0%} (every round)"
    bench.notes.append(f"GET by ID servers: {verdict} ({rates})")
