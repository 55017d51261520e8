"""``scripts/fuzz``: the long fuzz run, in rounds with new seeds until
``--cases`` were sent or ``--max-minutes`` passed; prints each round and a
summary, and exits 1 on a server error, a failed check or a lost identity."""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

from tests.fuzz.plan import CONTRACT_CHECKS, ENABLED_CHECKS, EXCLUDED_OPERATIONS
from tests.fuzz.report import RunReport, format_report
from tests.fuzz.run import ALL_PHASES, IDENTITIES, LATER_PHASES, fuzz_target, run_identity


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000, help="stop after this many cases")
    parser.add_argument("--max-examples", type=int, default=100, help="per operation and round")
    parser.add_argument("--seed", type=int, default=None, help="first round's seed")
    parser.add_argument("--max-minutes", type=float, default=45, help="stop after this long")
    parser.add_argument(
        "--contract", action="store_true", help="also run the contract checks not yet enabled"
    )
    parser.add_argument(
        "--report-dir", type=Path, default=None, help="keep schemathesis' reports and logs here"
    )
    parser.add_argument(
        "--exclude-known",
        action="store_true",
        help="leave out the operations the suite's run excludes (tests/fuzz/plan.py)",
    )
    args = parser.parse_args(argv)
    checks = CONTRACT_CHECKS if args.contract else ENABLED_CHECKS
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    deadline = time.monotonic() + args.max_minutes * 60
    totals = {identity: RunReport(identity) for identity in IDENTITIES}
    print(f"fuzz: {args.cases} cases, seed {seed}, checks {', '.join(checks)}", flush=True)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch, fuzz_target() as target:
        workdir = args.report_dir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        round_number = 0
        while sum(report.cases for report in totals.values()) < args.cases:
            if time.monotonic() >= deadline:
                print("fuzz: time limit reached", flush=True)
                break
            phases = ALL_PHASES if round_number == 0 else LATER_PHASES
            for identity in IDENTITIES:
                report = run_identity(
                    target,
                    identity,
                    max_examples=args.max_examples,
                    seed=seed + round_number,
                    checks=checks,
                    phases=phases,
                    timeout=max(1.0, deadline - time.monotonic()),
                    workdir=workdir,
                    excluded=EXCLUDED_OPERATIONS if args.exclude_known else {},
                )
                print(format_report(report, checks=checks), flush=True)
                totals[identity].add(report)
            round_number += 1
    print("\n== summary ==")
    for report in totals.values():
        print(format_report(report, checks=checks))
    total = sum(report.cases for report in totals.values())
    server_errors = sum(len(report.server_errors) for report in totals.values())
    failed = {check for report in totals.values() for check in report.failure_counts}
    lost = sum(report.guard.get("lost", 0) for report in totals.values())
    print(f"total: {total} cases, {server_errors} server errors, failed checks: {sorted(failed)}")
    return 1 if server_errors or failed or lost else 0


if __name__ == "__main__":
    sys.exit(main())
