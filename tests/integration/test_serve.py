"""`python -m app` (what scripts/serve runs) with the embedded engine, as a user runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.engines import free_port

ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


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
    process = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("the service did not become ready")


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
    spawned = children(service.pid)
    assert len(spawned) >= 2  # the engine and the HTTP worker
    service.send_signal(signal.SIGTERM)
    assert service.wait(30) == 0
    assert wait_gone(spawned), "a child outlived SIGTERM"

    service = start(tmp_path, port, engine_port)
    with MongoClient(f"mongodb://127.0.0.1:{engine_port}") as mongo:
        assert mongo.panel_users.users.find_one({"_id": "kept"}) == {"_id": "kept", "name": "Kept"}
    spawned = children(service.pid)
    service.kill()  # even a kill -9 leaves no orphan holding the ports
    service.wait(10)
    assert wait_gone(spawned), "a child outlived kill -9"
