"""The README as a new user runs it: the quick start block, verbatim, in a
fresh shell, from ``scripts/serve`` to an authenticated ``/api/auth/me`` and
the service stopped; and every ``scripts/manage`` line of the README's code
blocks, each on a database it can succeed on. Both read the README itself,
so a change there that breaks a command breaks this test."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from app.instance import read_running
from app.users.emails import normalize_email
from tests.integration.fresh_shell import run, shell_env, workdir
from tests.integration.test_serve import start
from tests.support.convex_export import write_export
from tests.support.panel_data import Proportions, panel_data
from tests.support.processes import ROOT, free_port, stop_process
from tests.support.users import user_document

FENCE = re.compile(r"^```[a-z]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PASSWORD = "a long admin password"


def section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def quick_start_block() -> str:
    blocks = FENCE.findall(section("Quick start"))
    assert blocks, "the README has no quick start block"
    return str(blocks[0])


def manage_lines() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return [
        line
        for block in FENCE.findall(text)
        for line in block.splitlines()
        if line.startswith("scripts/manage ")
    ]


def emails_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [email for item in value.items() for email in emails_in(item)]
    if isinstance(value, list | tuple):
        return [email for item in value for email in emails_in(item)]
    return [value] if isinstance(value, str) and "@" in value else []


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_the_quick_start_runs_as_written(tmp_path: Path) -> None:
    block = quick_start_block()
    assert "scripts/serve &" in block and "/api/auth/me" in block
    email = re.search(r"--email (\S+)", block)
    assert email is not None
    port, engine_port, data = free_port(), free_port(), tmp_path / "data"
    # Only the port and the data directory differ from a user's run, by environment.
    env = shell_env(
        tmp_path / "home",
        APP_PORT=str(port),
        APP_ENGINE_PORT=str(engine_port),
        APP_DATA_DIR=str(data),
    )
    work = workdir(tmp_path)
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        # -e: a failing line fails the run (curl -f turns a 401 into a failure).
        shell = subprocess.Popen(
            ["bash", "-e", "-o", "pipefail", "-c", block],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        code = shell.wait(timeout=240)
    finally:
        # A failed run leaves its background service in the shell's group.
        try:
            os.killpg(shell.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        shell.wait(timeout=30)
    report = f"stdout:\n{out.read_text()}\nstderr:\n{err.read_text()[-3000:]}"
    assert code == 0, report
    assert "admin created" in out.read_text(), report
    assert f"docs: http://127.0.0.1:{port}/schema" in out.read_text(), report
    documents = []
    for line in out.read_text().splitlines():
        try:
            documents.append(json.loads(line))
        except ValueError:
            continue
    # The last answer is /api/auth/me's: the admin, through the session cookie.
    assert documents and email.group(1) in emails_in(documents[-1]), report
    assert (work / "cookies.txt").exists()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (port_free(port) and port_free(engine_port)):
        time.sleep(0.2)
    assert read_running(data) is None, "the service still holds its data directory"
    assert port_free(port) and port_free(engine_port), "the service or engine still listens"


def test_every_management_command_in_the_readme_runs(tmp_path: Path) -> None:
    lines = manage_lines()
    assert len(lines) >= 8, lines
    work = workdir(tmp_path)
    export = panel_data(
        24,
        seed=5,
        proportions=Proportions(0.5, 0.5, 0.5, 0.25),
        duplicate_email=False,
        unknown_fields=False,
    )
    port, engine_port, data = free_port(), free_port(), tmp_path / "data"
    service = start(data, port, engine_port)
    # Exports and reports go next to the caller; the database of an export is the
    # last import's (an import needs an empty database: each gets a fresh one).
    exporting_from = data
    try:
        with MongoClient(f"mongodb://127.0.0.1:{engine_port}/") as mongo:
            users = mongo.panel_users.users
            for number, line in enumerate(lines):
                args = shlex.split(line, comments=True)
                group, command = args[1], args[2]
                data_dir, stdin, written, admin = data, "", None, None
                if (group, command) == ("db", "import-convex"):
                    if not (work / args[3]).exists():
                        write_export(export, work / args[3])
                    data_dir = tmp_path / f"import-{number}"
                    if "--dry-run" not in args:
                        exporting_from = data_dir
                elif (group, command) == ("db", "export-convex"):
                    written = work / args[3]
                    written.unlink(missing_ok=True)
                    data_dir = exporting_from
                elif group == "users":
                    address = normalize_email(
                        args[args.index("--email") + 1] if "--email" in args else args[3]
                    )
                    admin = address if command == "create-admin" else None
                    if command == "create-admin" and "--promote" not in args:
                        users.delete_many({"email": address})
                        stdin = f"{PASSWORD}\n{PASSWORD}\n"
                    elif users.find_one({"email": address}) is None:
                        users.insert_one(user_document(address))
                env = shell_env(
                    tmp_path / "home", APP_DATA_DIR=str(data_dir), APP_ENGINE_PORT=str(free_port())
                )
                done = run(line, work, env, stdin=stdin, timeout=180)
                assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
                assert "Traceback" not in done.stderr, f"{line}\n{done.stderr}"
                assert written is None or written.stat().st_size > 0, line
                if admin is not None:
                    assert (users.find_one({"email": admin}) or {}).get("role") == "admin", line
    finally:
        stop_process(service)
    assert read_running(data) is None
