"""What a new user's first mistakes look like from a fresh shell: a bad setting,
a port already taken, an argument ``scripts/serve`` does not take. Each is
one line on stderr naming the variable, a non-zero exit and no traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from tests.conftest import make_settings
from tests.integration.fresh_shell import run, shell_env, workdir
from tests.support.processes import free_port, port_in_use


def one_line_refusal(done: subprocess.CompletedProcess[str], start: str) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0, done.stderr
    assert "Traceback" not in done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(start), lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("command", "setting", "expected"),
    [
        ("scripts/serve", "APP_PORT=abc", "error: APP_PORT: Input should be a valid integer"),
        ("scripts/serve", "APP_PORT=70000", "error: APP_PORT: Input should be less than"),
        ("scripts/serve", "APP_ROLE_PERMISSIONS={bad", "error: APP_ROLE_PERMISSIONS: Expecting"),
        ("scripts/serve", "APP_COOKIE_NAME=a;b", "error: APP_COOKIE_NAME may only contain"),
        ("scripts/manage tokens list", "APP_PORT=abc", "error: APP_PORT: Input should be"),
        ("scripts/manage tokens list", "APP_ENGINE_PORT=0", "error: APP_ENGINE_PORT: Input"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    tmp_path: Path, command: str, setting: str, expected: str
) -> None:
    name, _, value = setting.partition("=")
    env = shell_env(tmp_path / "home", APP_DATA_DIR=str(tmp_path / "data"), **{name: value})
    done = run(command, workdir(tmp_path), env, timeout=60)
    one_line_refusal(done, expected)
    assert done.stdout == ""
    assert not (tmp_path / "data").exists()  # nothing was started


@pytest.mark.parametrize(
    ("command", "variable"),
    [
        ("scripts/serve", "APP_PORT"),
        ("scripts/serve", "APP_ENGINE_PORT"),
        ("scripts/manage tokens list", "APP_ENGINE_PORT"),  # its own engine, no service running
    ],
)
def test_a_port_in_use_is_one_line_naming_the_port_and_the_variable(
    tmp_path: Path, command: str, variable: str
) -> None:
    with port_in_use() as port:
        ports = {
            "APP_PORT": str(free_port()),
            "APP_ENGINE_PORT": str(free_port()),
            variable: str(port),
        }
        env = shell_env(tmp_path / "home", APP_DATA_DIR=str(tmp_path / "data"), **ports)
        done = run(command, workdir(tmp_path), env, timeout=60)
    one_line_refusal(
        done,
        f"error: port {port} on 127.0.0.1 is already in use by another process; "
        f"stop it or set {variable} to a free port",
    )


def test_serve_answers_help_and_refuses_arguments_without_starting(tmp_path: Path) -> None:
    port = free_port()
    env = shell_env(tmp_path / "home", APP_PORT=str(port), APP_DATA_DIR=str(tmp_path / "data"))
    work = workdir(tmp_path)
    helped = run("scripts/serve --help", work, env, timeout=60)
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: scripts/serve") and "APP_PORT" in helped.stdout
    one_line_refusal(
        run("scripts/serve --port 9000", work, env, timeout=60),
        "error: scripts/serve takes no arguments, not '--port'",
    )
    assert not (tmp_path / "data").exists()


def test_manage_help_lists_only_commands_that_belong_here(tmp_path: Path) -> None:
    env = shell_env(tmp_path / "home", APP_DATA_DIR=str(tmp_path / "data"))
    done = run("scripts/manage --help", workdir(tmp_path), env, timeout=60)
    assert done.returncode == 0, done.stderr
    commands = {
        line.strip("│ ").split()[0]
        for line in done.stdout.split("Commands", 1)[1].splitlines()
        if line.startswith("│ ")
    }
    # `run` started uvicorn without the engine; `sessions` is Litestar's own store.
    assert {"tokens", "users", "db"} <= commands and not {"run", "sessions"} & commands


async def test_the_root_leads_to_the_docs_page(
    client: AsyncTestClient[Litestar], engine: Any, database_name: str
) -> None:
    response = await client.get("/", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/schema"
    without_docs = create_app(make_settings(engine.url, database_name, docs_enabled=False))
    async with AsyncTestClient(without_docs) as other:
        assert (await other.get("/", follow_redirects=False)).status_code == 404
