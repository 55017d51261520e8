"""``scripts/bench import`` end to end on a small export (figures recorded,
not judged: timing is no assertion here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench import __main__ as entry


def test_the_bench_runs_the_import_command_and_records_its_rates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "results.json"
    code = entry.main(["import", "--users", "40", "--output", str(output)])
    figures = {figure["name"]: figure for figure in json.loads(output.read_text())}
    assert code == (0 if figures["import.rate"]["met"] else 1)
    assert figures["import.rate"]["unit"] == "docs/s" and figures["import.rate"]["target"] == 2000
    assert {"import.users.rate", "import.audit_logs.rate", "import.rate_with_start"} <= set(figures)
    printed = capsys.readouterr().out
    assert "round:    120 documents" in printed  # 40 users, 20 sessions, 40 events, 20 logs
