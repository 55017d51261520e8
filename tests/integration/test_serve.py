"""`python -m app` (what scripts/serve runs) with the embedded engine, as a user runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.support.processes import descendants, free_port, start_service, wait_ready


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(data_dir: Path, port: int, engine_port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "APP_MONGODB_URL"}
    env.update(
        APP_DATA_DIR=str(data_dir),
        APP_PORT=str(port),
        APP_ENGINE_PORT=str(engine_port),
        APP_SERVICE_TOKENS="svc:" + "s" * 40,
    )
    process = start_service(env)
    try:
        wait_ready(port, process, timeout=60)
    except RuntimeError:
        process.kill()
        raise
    return process


def wait_gone(pids: list[int], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.2)
    return False


def test_serve_keeps_data_and_leaves_no_process(tmp_path: Path) -> None:
    port, engine_port = free_port(), free_port()
    service = start(tmp_path, port, engine_port)
    base = f"http://127.0.0.1:{port}"
    for path in ("/health", "/ready", "/schema/openapi.json"):
        assert httpx.get(base + path).status_code == 200
    from pymongo import MongoClient

    with MongoClient(f"mongodb://127.0.0.1:{engine_port}") as mongo:
        mongo.panel_users.users.insert_one({"_id": "kept", "name": "Kept"})
    spawned = descendants(service.pid)
    assert len(spawned) >= 2  # the engine and the HTTP worker
    service.send_signal(signal.SIGTERM)
    assert service.wait(30) == 0
    assert wait_gone(spawned), "a child outlived SIGTERM"

    service = start(tmp_path, port, engine_port)
    with MongoClient(f"mongodb://127.0.0.1:{engine_port}") as mongo:
        assert mongo.panel_users.users.find_one({"_id": "kept"}) == {"_id": "kept", "name": "Kept"}
    spawned = descendants(service.pid)
    service.kill()  # even a kill -9 leaves no orphan holding the ports
    service.wait(10)
    assert wait_gone(spawned), "a child outlived kill -9"
