"""``scripts/bench``: the load benchmark (``--quick`` or full); ``scripts/bench
micro``: the in-process costs of the input checks; ``scripts/bench import``:
the Convex import of a large export."""

from __future__ import annotations

import argparse
import asyncio
import sys

import tests.bench
from tests.bench import imports, micro, sizes
from tests.bench.run import run


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["micro"]:
        return micro.main(argv[1:])
    if argv[:1] == ["import"]:
        return imports.main(argv[1:])
    if argv[:1] == ["sizes"]:
        return sizes.main(argv[1:])
    doc = tests.bench.__doc__ or ""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=doc.split("\n", 1)[0],
        epilog="`scripts/bench micro [--help]`: the in-process costs of the input checks;"
        " `scripts/bench import [--users N]`: the Convex import;"
        " `scripts/bench sizes`: the BSON size of each collection's documents",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (≈10 min, 2 cores)")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator HTTP client (default: raw asyncio streams)",
    )
    parser.add_argument("--no-uvicorn", action="store_true", help="skip the uvicorn comparison")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("scale", "reads", "batch", "session", "logins", "login-load", "convex"),
        help="run only these figures (the users are seeded all the same)",
    )
    parser.add_argument("--output", default="bench-results.json")
    parser.add_argument(
        "--chart",
        default="docs/bench.svg",
        help="the chart of the run (SVG; README links docs/bench.svg); '' for none",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:
        return asyncio.run(run(args))
    return asyncio.run(run(args), loop_factory=uvloop.new_event_loop)


if __name__ == "__main__":
    sys.exit(main())
