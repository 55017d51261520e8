"""The MongoDB wire servers the integration suite runs on.

Each is a process the harness starts on a free port and stops at the end:
nx-27017 (the engine ``scripts/serve`` embeds) and mongoeco (more faithful
to MongoDB, too slow to serve). With ``APP_MONGODB_URL`` only that server
is used.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Protocol

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from app.engine import EmbeddedEngine
from tests.support.processes import free_port

HERE = Path(__file__).parent


def wait_for_ping(url: str, timeout: float = 30.0) -> None:
    client: MongoClient[dict[str, object]] = MongoClient(url, serverSelectionTimeoutMS=250)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                client.admin.command("ping")
                return
            except PyMongoError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        client.close()


class TestEngine(Protocol):
    name: str

    @property
    def url(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class NxEngine:
    name = "nx27017"

    def __init__(self, port: int | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="nx27017-")
        self._engine = EmbeddedEngine(self._dir.name, port=port or free_port())

    @property
    def url(self) -> str:
        return self._engine.url

    @property
    def pid(self) -> int | None:
        return self._engine.pid

    def start(self) -> None:
        self._engine.start()

    def stop(self) -> None:
        self._engine.stop()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()


class MongoecoEngine:
    name = "mongoeco"

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(HERE / "mongoeco_server.py"), str(self.port)],
            stdout=subprocess.DEVNULL,
        )
        wait_for_ping(self.url)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        self.stop()


class ExternalEngine:
    name = "external"

    def __init__(self, url: str) -> None:
        self.url = url

    def start(self) -> None:
        wait_for_ping(self.url)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


def make_engine(name: str) -> NxEngine | MongoecoEngine:
    if name == NxEngine.name:
        return NxEngine()
    if name == MongoecoEngine.name:
        return MongoecoEngine()
    raise ValueError(name)
