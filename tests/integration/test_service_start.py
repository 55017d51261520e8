"""``running_service`` (tests/support/processes.py underneath, as the bench uses
it) on the real ``python -m app``: a service that cannot start is reported with
its own words at once, not after the readiness timeout."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ENGINE_NAMES
from tests.integration.helpers import running_service
from tests.support.processes import port_in_use

# The process handling is the same on every engine.
pytestmark = pytest.mark.parametrize("engine", ENGINE_NAMES[-1:], indirect=True)


def test_a_service_that_cannot_start_is_reported_with_its_log(
    engine: Any, database_name: str, tmp_path: Path
) -> None:
    with port_in_use() as port:
        started = time.monotonic()
        with (
            pytest.raises(RuntimeError, match=rf"\(exited\)(.|\n)*port {port} on 127.0.0.1"),
            running_service(
                engine.url, database_name, log_file=tmp_path / "service.log", APP_PORT=str(port)
            ),
        ):
            pass
    assert time.monotonic() - started < 25  # the process's exit, not the 30 s timeout


def test_an_empty_database_says_how_to_get_the_first_admin(
    engine: Any, database_name: str, tmp_path: Path
) -> None:
    log = tmp_path / "service.log"
    with running_service(engine.url, database_name, log_file=log) as base_url:
        deadline = time.monotonic() + 10
        while "no users yet" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    text = log.read_text()
    assert "scripts/manage users create-admin --email" in text
    assert f"API docs at {base_url}/schema" in text
