"""Fuzz the service as production runs it, from its live OpenAPI document.

A private nx-27017 engine and ``python -m app`` are started; an admin
(bootstrap settings) and a few target users with sessions are created
through the service's own API; then the schemathesis CLI runs against
``/schema/openapi.json`` once per identity: an admin session (kept alive by
``tests/fuzz/hooks.py``) and a service token with every scope. Its NDJSON
report gives the figures (``tests/fuzz/report.py``).

``scripts/fuzz`` (``tests/fuzz/__main__.py``) repeats rounds with new seeds
until enough cases were sent; the suite runs one small round
(``tests/integration/test_fuzz.py``).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.engines import NxEngine
from tests.fuzz.report import RunReport, read_ndjson
from tests.integration.helpers import running_service

REPO = Path(__file__).resolve().parents[2]
DATABASE = "fuzz"
ADMIN_EMAIL = "fuzz-admin@example.org"
IDENTITIES = ("admin", "service")
ALL_PHASES = "examples,coverage,fuzzing,stateful"
# The coverage phase is deterministic: later rounds only draw new random cases.
LATER_PHASES = "fuzzing,stateful"


@dataclass(frozen=True)
class Target:
    base_url: str
    mongodb_url: str
    admin_password: str
    service_token: str


@contextmanager
def fuzz_target() -> Iterator[Target]:
    """The engine and the service, seeded; both stopped on exit."""
    engine = NxEngine()
    engine.start()
    try:
        password = secrets.token_urlsafe(18)
        service_token = secrets.token_urlsafe(32)
        environment = {
            "APP_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "APP_BOOTSTRAP_ADMIN_PASSWORD": password,
            "APP_SERVICE_TOKENS": f"fuzz:{service_token}",
            # Cheap hashes: the fuzzer logs in thousands of times.
            "APP_ARGON2_TIME_COST": "1",
            "APP_ARGON2_MEMORY_KIB": "1024",
            "APP_ARGON2_PARALLELISM": "1",
            # Fuzzed logins all come from 127.0.0.1; with the default per-IP
            # limit (50) every later login would be a 429 that never reaches
            # the code behind it. The per-account lockout stays as it is.
            "APP_IP_MAX_FAILURES": "1000000000",
        }
        with running_service(engine.url, DATABASE, **environment) as base_url:
            target = Target(base_url, engine.url, password, service_token)
            seed(target)
            yield target
    finally:
        engine.close()


def seed(target: Target) -> None:
    """Users for the fuzzer to act on, created through the API as an admin would."""
    with httpx.Client(base_url=target.base_url, timeout=10) as http:
        token = _login(http, ADMIN_EMAIL, target.admin_password, wait=15)
        admin = {"Authorization": f"Bearer {token}"}
        roles = ["user", "staff", "editor", "ADMIN", "user", "BAŞKAN"]
        for number, role in enumerate(roles):
            email = f"target{number}@example.org"
            user = {
                "name": f"Hedef Kullanıcı {number}",
                "email": email,
                "role": role,
                "phone": f"+90555000{number:04d}",
                "labels": ["fuzz", f"group-{number % 2}"],
                "password": f"Target-Passw0rd-{number}",
            }
            created = http.post("/api/users", json=user, headers=admin)
            created.raise_for_status()
            _login(http, email, user["password"])
            if number == len(roles) - 1:
                user_id = created.json()["_id"]
                http.delete(f"/api/users/{user_id}", headers=admin).raise_for_status()


def _login(http: httpx.Client, email: str, password: str, wait: float = 0.0) -> str:
    # The bootstrap admin is created once the database answers, which may be
    # just after /ready; wait for it a bounded time.
    deadline = time.monotonic() + wait
    while True:
        response = http.post("/api/auth/login", json={"email": email, "password": password})
        if response.status_code == 200:
            token: str = response.json()["session"]["token"]
            return token
        if time.monotonic() > deadline:
            raise RuntimeError(f"login of {email} failed: {response.status_code}")
        time.sleep(0.2)


def schemathesis_command(
    base_url: str,
    *,
    max_examples: int,
    seed: int,
    checks: list[str],
    phases: str,
    report_path: Path,
    config_path: Path,
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config_path),
        "run",
        f"{base_url}/schema/openapi.json",
        "--checks",
        ",".join(checks),
        "--mode",
        "all",
        "--phases",
        phases,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        # One worker: the guard repairs the admin between cases, and the
        # machine has two cores for the fuzzer, the service and its engine.
        "--workers",
        "1",
        "--continue-on-failure",
        "--no-shrink",
        "--request-timeout",
        "10",
        "--generation-database",
        "none",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report_path),
        "--no-color",
    ]
    return command


def exclusion_config(excluded: dict[str, str], path: Path) -> Path:
    """A schemathesis.toml turning the excluded requests off, one entry each.

    A disabled entry also stops requests with a method the schema does not
    declare (the coverage phase's OPTIONS probes). Filters of one kind in an
    entry are alternatives, so "this method on this path" is written as the
    path minus every other method.
    """
    entries = []
    for operation, defect in excluded.items():
        method, route = operation.split(" ", 1)
        entries.append(
            f"# {defect}\n[[operations]]\ninclude-path = {json.dumps(route)}\n"
            f"exclude-method-regex = {json.dumps(f'^(?!{method}$)')}\nenabled = false\n"
        )
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def run_identity(
    target: Target,
    identity: str,
    *,
    max_examples: int,
    seed: int,
    checks: list[str],
    phases: str,
    timeout: float,
    workdir: Path,
    excluded: dict[str, str],
) -> RunReport:
    """One schemathesis run as ``identity``; stopped (and marked) at ``timeout``."""
    report_path = workdir / f"{identity}-{seed}.ndjson"
    stats_path = workdir / f"{identity}-{seed}.guard.json"
    log_path = workdir / f"{identity}-{seed}.log"
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
        "PYTHONPATH": str(REPO),
        "FUZZ_IDENTITY": identity,
        "FUZZ_BASE_URL": target.base_url,
        "FUZZ_MONGODB_URL": target.mongodb_url,
        "FUZZ_DATABASE": DATABASE,
        "FUZZ_ADMIN_EMAIL": ADMIN_EMAIL,
        "FUZZ_ADMIN_PASSWORD": target.admin_password,
        "FUZZ_SERVICE_TOKEN": target.service_token,
        "FUZZ_STATS_PATH": str(stats_path),
    }
    command = schemathesis_command(
        target.base_url,
        max_examples=max_examples,
        seed=seed,
        checks=checks,
        phases=phases,
        report_path=report_path,
        config_path=exclusion_config(excluded, workdir / "schemathesis.toml"),
    )
    timed_out = False
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            # In the work directory: schemathesis keeps a cache in its cwd.
            command,
            env=environment,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            exit_code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            process.kill()
            exit_code = process.wait()
    report = read_ndjson(report_path, identity)
    report.exit_code = exit_code
    report.timed_out = timed_out
    if stats_path.exists():
        report.guard = json.loads(stats_path.read_text())
    # Exit code 1 is "a check failed", which the report already holds.
    if exit_code not in (0, 1) and not timed_out:
        tail = log_path.read_text(errors="replace")[-2000:]
        report.errors.append(f"schemathesis exited with {exit_code}: {tail}")
    return report
