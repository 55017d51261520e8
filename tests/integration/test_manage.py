"""``scripts/manage`` as a user runs it: a fresh shell (minimal PATH, no
project variables), from another directory, with and without the service."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from app.engine import EmbeddedEngine
from app.instance import read_running
from app.users.emails import normalize_email
from tests.integration.convex import FORGIVING, small_data
from tests.integration.test_serve import start
from tests.integration.test_single_instance import run_to_exit
from tests.support.convex_export import write_export
from tests.support.panel_data import PanelData
from tests.support.processes import ROOT, free_port, stop_process

MANAGE = str(ROOT / "scripts" / "manage")


@pytest.fixture(scope="module")
def data() -> PanelData:
    return small_data()


@pytest.fixture
def workdir(data: PanelData, tmp_path: Path) -> Path:
    """The caller's directory, holding the export (given by a relative path)."""
    write_export(data, tmp_path / "snapshot.zip")
    return tmp_path


def fresh_env(**settings: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": os.environ["HOME"], **settings}


def manage(
    cwd: Path, env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MANAGE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_without_a_service_the_command_runs_its_own_engine_under_the_lock(
    workdir: Path, data: PanelData
) -> None:
    engine_port = free_port()
    data_dir = workdir / "data"
    # A relative setting means what it means to scripts/serve: from the repository root.
    relative = os.path.relpath(data_dir, ROOT)
    env = fresh_env(APP_DATA_DIR=relative, APP_ENGINE_PORT=str(engine_port))
    done = manage(workdir, env, "db", "import-convex", "snapshot.zip", *FORGIVING)
    assert done.returncode == 0, done.stderr
    assert f"database: embedded engine at mongodb://127.0.0.1:{engine_port}/" in done.stderr
    assert f"(data in {data_dir.resolve()}, database panel_users)" in done.stderr
    assert "started for this command" in done.stderr
    assert "Traceback" not in done.stderr
    assert "users" in done.stdout and "documents/s" in done.stdout
    assert read_running(data_dir) is None  # engine stopped, lock released

    engine = EmbeddedEngine(data_dir / "engine", port=engine_port)
    engine.start()
    try:
        with MongoClient(engine.url) as client:
            assert client.panel_users.users.count_documents({}) == len(data.tables["users"]) - 1
    finally:
        engine.stop()

    # While a command holds the data directory, the service cannot start on it.
    waiting = subprocess.Popen(
        [MANAGE, "users", "create-admin", "--email", "admin@dernek.org"],
        cwd=workdir,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert waiting.stderr is not None
        assert waiting.stderr.readline().startswith("database: embedded engine")
        code, stderr = run_to_exit(data_dir, free_port(), free_port())
        assert code == 1 and "is in use by" in stderr
        out, _ = waiting.communicate("a long admin password\na long admin password\n", timeout=60)
        assert waiting.returncode == 0 and "admin created" in out
    finally:
        stop_process(waiting)  # type: ignore[arg-type]  # text mode: same process


def test_with_the_service_running_the_command_uses_its_engine(
    workdir: Path, data: PanelData
) -> None:
    port, engine_port = free_port(), free_port()
    service = start(workdir / "data", port, engine_port)
    try:
        env = fresh_env(APP_DATA_DIR=str(workdir / "data"))
        done = manage(workdir, env, "db", "import-convex", "snapshot.zip", *FORGIVING)
        assert done.returncode == 0, done.stderr
        assert (
            f"database: the embedded engine of the running service (PID {service.pid})"
            in done.stderr
        )
        seed_admin = data.tables["users"][0]
        secret = data.secrets[seed_admin["email"]]
        login = httpx.post(
            f"http://127.0.0.1:{port}/api/auth/login",
            json={"email": normalize_email(seed_admin["email"]), "password": secret.password},
            timeout=30,
        )
        assert login.status_code == 200, login.text
        with MongoClient(f"mongodb://127.0.0.1:{engine_port}/") as client:
            stored = client.panel_users.users.find_one({"_id": seed_admin["_id"]})
        assert stored is not None and stored["passwordHash"].startswith("$argon2id$")
    finally:
        stop_process(service)


def test_an_unreachable_database_is_one_line(workdir: Path) -> None:
    env = fresh_env(
        APP_MONGODB_URL=f"mongodb://127.0.0.1:{free_port()}/", APP_CONNECT_TIMEOUT_MS="500"
    )
    done = manage(workdir, env, "db", "import-convex", "snapshot.zip")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("database: APP_MONGODB_URL (127.0.0.1:")
    assert len(lines) == 2 and lines[1].startswith("error: the database does not answer")
    assert done.stdout == ""
