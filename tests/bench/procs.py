"""The processes of a run: the database server, the service under granian (and
uvicorn beside it), and a sampler of their memory. Starting, waiting for and
stopping them, and reading /proc, are the suite's helpers (tests/support)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from app.engine import die_with_parent
from tests.bench.plan import CURSOR_SECRET
from tests.engines import NxEngine
from tests.support.processes import (
    HOST,
    cpu_seconds,
    descendants,
    free_port,
    rss_bytes,
    service_environment,
    start_service,
    stop_process,
    wait_ready,
)


class RssPeak:
    """Polls the VmRSS of a process tree every 10 ms in a thread; ``peak`` in bytes."""

    def __init__(self, pids: list[int], interval: float = 0.01) -> None:
        self.pids, self.interval, self.peak = pids, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pids))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


class Service:
    """One service process (granian or uvicorn) started and stopped by the bench."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], port: int, log: Path
    ) -> None:
        self.name, self.command, self.env, self.port, self.log = name, command, env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def pids(self) -> list[int]:
        """The server's main process and everything below it (its worker)."""
        return [self.pid, *descendants(self.pid)]

    def cpu(self) -> float:
        return cpu_seconds(self.pids())

    def start(self, ready_seconds: float = 60.0) -> None:
        """Spawn (it dies with the bench), then wait until ``/ready`` answers 200
        (indexes made, admin there)."""
        self.process = start_service(
            self.env, log_file=self.log, command=self.command, preexec_fn=die_with_parent
        )
        try:
            wait_ready(self.port, self.process, timeout=ready_seconds, log_file=self.log)
        except RuntimeError as exc:
            raise RuntimeError(f"{self.name}: {exc}") from None

    def stop(self) -> None:
        """SIGTERM (graceful drain), SIGKILL after 15 s; then any child left, by PID."""
        if self.process is None:
            return
        family = descendants(self.pid)
        stop_process(self.process)
        for pid in family:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self.process = None


@contextlib.contextmanager
def database_server() -> Iterator[tuple[str, NxEngine | None]]:
    """APP_MONGODB_URL if set, else our own nx-27017 engine (stopped at the end)."""
    url = os.environ.get("APP_MONGODB_URL")
    if url:
        yield url, None
        return
    engine = NxEngine()
    try:
        engine.start()
        yield engine.url, engine
    finally:
        engine.close()


def service_env(
    url: str, database: str, port: int, token: str, admin: tuple[str, str]
) -> dict[str, str]:
    env = service_environment(
        url,
        database,
        port,
        APP_HOST=HOST,
        APP_SERVICE_TOKENS=f"bench:{token}",
        APP_BOOTSTRAP_ADMIN_EMAIL=admin[0],
        APP_BOOTSTRAP_ADMIN_PASSWORD=admin[1],
        APP_CURSOR_SECRET=CURSOR_SECRET,
        APP_CONVEX_API_PREFIX="/convex",  # tests/bench/convex.py
        PYTHONUNBUFFERED="1",
        # The load generator is one address logging the same users in many
        # times at once; the bench measures hashing, not the brute-force
        # limits (tests/integration/test_lockout.py covers those).
        APP_HASH_QUEUE_PER_CLIENT="1000",
        APP_HASH_QUEUE_MAX="1000",
        APP_LOCKOUT_MAX_FAILURES="100000",
        APP_ACCOUNT_MAX_FAILURES="100000",
        APP_IP_MAX_FAILURES="100000",
    )
    env.pop("APP_ACCESS_LOG", None)  # one log line per request would be measured too
    return env


def make_services(
    temp: Path, url: str, database: str, token: str, admin: tuple[str, str], with_uvicorn: bool
) -> dict[str, Service]:
    port = free_port()
    env = service_env(url, database, port, token, admin)
    services = {
        "granian": Service(
            "granian", [sys.executable, "-m", "app"], env, port, temp / "granian.log"
        )
    }
    uvicorn = Path(sys.executable).with_name("uvicorn")
    if with_uvicorn and uvicorn.exists():
        port = free_port()
        command = [
            str(uvicorn),
            "--factory",
            "app.asgi:create_app",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--no-proxy-headers",
        ]
        env = service_env(url, database, port, token, admin)
        services["uvicorn"] = Service("uvicorn", command, env, port, temp / "uvicorn.log")
    return services


def start_services(services: dict[str, Service], notes: list[str], uvicorn: bool) -> None:
    """granian first (it creates the indexes and the admin); uvicorn is optional."""
    services["granian"].start()
    if "uvicorn" not in services:
        why = "not installed (`uv add --dev uvicorn`)" if uvicorn else "skipped (--no-uvicorn)"
        notes.append(f"uvicorn: {why}; no server comparison")
        return
    try:
        services["uvicorn"].start()
    except (RuntimeError, OSError) as exc:
        notes.append(f"uvicorn: did not start, skipped ({str(exc)[:300]})")
        services.pop("uvicorn").stop()
