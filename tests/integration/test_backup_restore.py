"""The embedded engine's backup and restore exactly as docs/deploy.md
("Backups") describes them: stop the service, archive APP_DATA_DIR with tar,
start it again; to restore, stop it, replace the directory with the archive's,
start it. Tested end to end against ``python -m app`` on its own engine."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.integration.helpers import cheap_service_env, sign_in_as_root
from tests.support.processes import free_port, start_service, stop_process, wait_ready


@contextmanager
def embedded_service(data_dir: Path, log: Path) -> Iterator[str]:
    """``python -m app`` on the embedded engine of ``data_dir``."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "APP_MONGODB_URL"}
    environment.update(
        cheap_service_env(),
        APP_DATA_DIR=str(data_dir),
        APP_PORT=str(port),
        APP_ENGINE_PORT=str(free_port()),
        APP_COOKIE_SECURE="false",
        APP_LEGACY_BCRYPT_COST="4",
    )
    process = start_service(environment, log_file=log)
    try:
        # Generous: start-up on a loaded 2-core machine.
        wait_ready(port, process, timeout=120, log_file=log)
        yield f"http://127.0.0.1:{port}"
    finally:
        # SIGTERM: the service drains, then stops its engine, which closes its files.
        stop_process(process)
        assert process.returncode == 0, log.read_text()[-2000:]


def run(*command: str, cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, timeout=120, capture_output=True)


async def test_a_copy_of_the_stopped_data_directory_restores_everything(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    new_user: dict[str, Any]
    with embedded_service(data_dir, tmp_path / "first.log") as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            await sign_in_as_root(http)
            created = await http.post(
                "/api/users",
                json={
                    "email": "kept@example.org",
                    "name": "Kept Ayşe",
                    "role": "user",
                    "password": "Kept-backup-2026!",
                },
            )
            assert created.status_code == 201, created.text
            new_user = created.json()
    # The documented backup (docs/deploy.md): with the service stopped.
    run("tar", "-C", str(tmp_path), "-czf", "backup.tar.gz", "data", cwd=tmp_path)

    # Lost: a new, empty directory starts a new, empty database.
    shutil.rmtree(data_dir)
    with embedded_service(data_dir, tmp_path / "empty.log") as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            await sign_in_as_root(http)  # the bootstrap admin, created anew
            gone = await http.get(f"/api/users/{new_user['_id']}")
            assert gone.status_code == 404

    # The documented restore: stopped, directory replaced by the archive's.
    shutil.rmtree(data_dir)
    run("tar", "-C", str(tmp_path), "-xzf", "backup.tar.gz", cwd=tmp_path)
    with embedded_service(data_dir, tmp_path / "restored.log") as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            await sign_in_as_root(http)
            back = await http.get(f"/api/users/{new_user['_id']}")
            assert back.status_code == 200, back.text
            assert back.json() == new_user
            # Its password came back too (the hash is in the copy).
            login = await http.post(
                "/api/auth/login",
                json={"email": "kept@example.org", "password": "Kept-backup-2026!"},
            )
            assert login.status_code == 200, login.text
