"""A bounded fuzz run in the suite: schemathesis against the live OpenAPI
document of ``python -m app`` on a private nx-27017 engine, as an admin and
as a service, expecting no server error and no failure of the enabled checks
(tests/fuzz/plan.py). ``scripts/fuzz`` is the long run of the same thing.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.fuzz.plan import ENABLED_CHECKS, EXCLUDED_OPERATIONS
from tests.fuzz.report import RunReport, format_report
from tests.fuzz.run import ALL_PHASES, IDENTITIES, fuzz_target, run_identity

# Kept small so the suite stays short (30 examples took 120-230 s at a load
# of 8-14 on 2 cores, the largest part of the suite); every operation and
# check still runs. ``scripts/fuzz`` is the long run. The time limit stops
# the run (and fails the test) only on a machine far worse than that.
MAX_EXAMPLES = 15
SEED = 20261124
TIME_LIMIT_SECONDS = 480


def test_fuzzing_the_live_service_finds_no_server_error(tmp_path: Path) -> None:
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    reports: dict[str, RunReport] = {}
    with fuzz_target() as target:
        for identity in IDENTITIES:
            reports[identity] = run_identity(
                target,
                identity,
                max_examples=MAX_EXAMPLES,
                seed=SEED,
                checks=ENABLED_CHECKS,
                phases=ALL_PHASES,
                timeout=max(1.0, deadline - time.monotonic()),
                workdir=tmp_path,
                excluded=EXCLUDED_OPERATIONS,
            )
    summary = "\n".join(format_report(report, checks=ENABLED_CHECKS) for report in reports.values())
    print(summary)
    for report in reports.values():
        assert not report.timed_out, summary
        assert not report.errors, summary
        # A run that could not reach the service would pass every check.
        assert report.cases >= 500, summary
        assert report.server_errors == [], summary
        assert not report.failure_counts, summary
    admin = reports["admin"]
    # The fuzzer kept its admin identity: no case went out with a dead or
    # demoted session, and admin-only operations succeeded throughout.
    assert admin.guard["lost"] == 0, summary
    assert admin.guard["checks"] > 1, summary
    successes = sum(n for status, n in admin.statuses.items() if 200 <= status < 300)
    assert successes >= 200, summary
