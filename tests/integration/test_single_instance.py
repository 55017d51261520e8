"""One ``python -m app`` per data directory, and no silently shared port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.instance import read_running
from tests.integration.test_serve import start, wait_gone
from tests.support.processes import ROOT, descendants, free_port


def run_to_exit(data_dir: Path, port: int, engine_port: int) -> tuple[int, str]:
    """Start ``python -m app`` that is expected to refuse; its exit code and stderr."""
    env = {k: v for k, v in os.environ.items() if k != "APP_MONGODB_URL"}
    env.update(APP_DATA_DIR=str(data_dir), APP_PORT=str(port), APP_ENGINE_PORT=str(engine_port))
    process = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _, stderr = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.terminate()
        process.communicate(timeout=15)
        raise AssertionError("the second service started instead of refusing") from None
    return process.returncode, stderr.decode()


def test_second_service_on_one_data_dir_is_refused_until_the_first_is_gone(
    tmp_path: Path,
) -> None:
    port, engine_port = free_port(), free_port()
    first = start(tmp_path, port, engine_port)
    try:
        running = read_running(tmp_path)
        assert running is not None
        assert (running.pid, running.engine_port, running.http_port) == (
            first.pid,
            engine_port,
            port,
        )
        assert running.engine_url == f"mongodb://127.0.0.1:{engine_port}/"

        # Other ports, same directory: two engines would write one SQLite file.
        code, stderr = run_to_exit(tmp_path, free_port(), free_port())
        assert code != 0
        assert stderr.strip() == (
            f"error: data directory {tmp_path.resolve()} is in use by the service with PID "
            f"{first.pid} (lock {tmp_path.resolve() / 'service.lock'}); stop it or set "
            "APP_DATA_DIR to another directory"
        )
        assert httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200

        spawned = descendants(first.pid)
        first.kill()  # kill -9: the kernel drops the lock, nothing stale is left
        first.wait(10)
        assert wait_gone(spawned), "a child outlived kill -9"
        assert read_running(tmp_path) is None

        first = start(tmp_path, port, engine_port)
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
        running = read_running(tmp_path)
        assert running is not None and running.pid == first.pid
    finally:
        first.terminate()
        first.wait(30)
    assert read_running(tmp_path) is None


@pytest.mark.parametrize("variable", ["APP_PORT", "APP_ENGINE_PORT"])
def test_port_in_use_is_refused_with_one_line(tmp_path: Path, variable: str) -> None:
    with socket.socket() as other:
        # As granian binds: SO_REUSEPORT would let a second granian share the port.
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        ports = {"APP_PORT": free_port(), "APP_ENGINE_PORT": free_port(), variable: taken}
        code, stderr = run_to_exit(tmp_path, ports["APP_PORT"], ports["APP_ENGINE_PORT"])
    assert code != 0
    assert stderr.strip() == (
        f"error: port {taken} on 127.0.0.1 is already in use by another process; "
        f"stop it or set {variable} to a free port"
    )
    assert read_running(tmp_path) is None  # the lock went with the refused process
