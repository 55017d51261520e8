"""The embedded engine: nx-27017 (a MongoDB wire-protocol server over SQLite).

``scripts/serve`` runs it as a child process when no ``APP_MONGODB_URL`` is
given. It keeps one SQLite file per database under ``--data-dir`` (never the
single-file mode, which shares collections across database names).

Standalone: ``python -m app.engine --data-dir DIR --port N``.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from app.metrics import ENGINE_STATE_FILE, write_engine_state

logger = logging.getLogger("app.engine")

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:  # pragma: no cover - runs in the child
    """If the parent is killed hard, the kernel ends this process too: no orphans."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


class EngineError(RuntimeError):
    pass


class EmbeddedEngine:
    """Start, health-check, supervise and stop one nx-27017 process."""

    def __init__(self, data_dir: str | Path, *, host: str = "127.0.0.1", port: int = 27018):
        self.data_dir = Path(data_dir).resolve()
        self.host = host
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None
        # Restarts after the engine died; the HTTP worker reports them (app/metrics.py).
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"mongodb://{self.host}:{self.port}/"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "nx_27017.nx_27017",
            "--data-dir",
            str(self.data_dir),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--log-file",
            str(self.data_dir / "engine.log"),
            "--pid-file",
            str(self.data_dir / "engine.pid"),
        ]

    def _spawn(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # A pid file left by a killed engine would make it refuse to start. The
        # guard against two engines on one directory is the service's data
        # directory lock (app/instance.py), which a crash cannot leave behind.
        (self.data_dir / "engine.pid").unlink(missing_ok=True)
        self._process = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Own session: a terminal's Ctrl-C reaches the service, which then
            # stops the engine after the last request is answered.
            start_new_session=True,
            preexec_fn=die_with_parent if sys.platform == "linux" else None,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        client: MongoClient[dict[str, object]] = MongoClient(
            self.url, serverSelectionTimeoutMS=250, connectTimeoutMS=250
        )
        try:
            while True:
                process = self._process
                if process is not None and process.poll() is not None:
                    raise EngineError(
                        f"engine exited with code {process.returncode}; "
                        f"see {self.data_dir / 'engine.log'}"
                    )
                try:
                    client.admin.command("ping")
                    return
                except PyMongoError:
                    if time.monotonic() > deadline:
                        raise EngineError(f"engine did not answer on {self.url}") from None
                    time.sleep(0.1)
        finally:
            client.close()

    def start(self, timeout: float = 30.0) -> None:
        with self._lock:
            self._stopping.clear()
            self._spawn()
        self.wait_ready(timeout)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, wait (SQLite commits what was acknowledged), SIGKILL as last resort."""
        self._stopping.set()
        with self._lock:
            process, self._process = self._process, None
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join(timeout=2)
            self._monitor = None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.error("engine did not stop in %ss; killing it", timeout)
            process.kill()
            process.wait()

    def supervise(self, poll_seconds: float = 0.5) -> None:
        """Restart the engine whenever it dies, until ``stop()``."""
        self._record_restarts()

        def watch() -> None:
            backoff = 0.5
            while not self._stopping.wait(poll_seconds):
                with self._lock:
                    process = self._process
                    if process is None or process.poll() is None or self._stopping.is_set():
                        continue
                    logger.error("engine exited with code %s; restarting", process.returncode)
                    self._spawn()
                    self.restarts += 1
                    self._record_restarts()
                try:
                    self.wait_ready()
                    logger.warning("engine restarted on %s", self.url)
                    backoff = 0.5
                except EngineError as exc:
                    logger.error("engine restart failed: %s", exc)
                    self._stopping.wait(backoff)
                    backoff = min(backoff * 2, 10.0)

        self._monitor = threading.Thread(target=watch, name="engine-supervisor", daemon=True)
        self._monitor.start()

    def _record_restarts(self) -> None:
        try:
            write_engine_state(self.data_dir / ENGINE_STATE_FILE, self.restarts)
        except OSError as exc:
            logger.warning("could not record the engine's restarts: %s", exc)


class StopRequested:
    """Turns SIGINT/SIGTERM into a flag so shutdown code runs to the end."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.event.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the embedded MongoDB-compatible engine")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=27018)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = StopRequested()
    stop.install()
    engine = EmbeddedEngine(args.data_dir, host=args.host, port=args.port)
    engine.start()
    engine.supervise()
    print(f"engine: {engine.url} (data in {engine.data_dir})", flush=True)
    try:
        stop.event.wait()
    finally:
        engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
