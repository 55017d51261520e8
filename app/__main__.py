"""``python -m app``: what ``scripts/serve`` runs.

With ``APP_MONGODB_URL`` the service uses that MongoDB. Without it, the
embedded engine starts first (data in ``APP_DATA_DIR``), is restarted if it
dies, and is stopped after the HTTP server has drained on Ctrl-C or SIGTERM.
A second service on the same data directory, or on a port already in use, is
refused with one line and exit code 1; a bad ``APP_`` setting with one line
naming it and exit code 2.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from litestar import Litestar

from app.asgi import create_app
from app.config import BadSetting, get_settings, load_settings
from app.engine import EmbeddedEngine, EngineError, StopRequested, die_with_parent
from app.http.docs import DOCS_PATH
from app.instance import DataDirInUse, DataDirLock, RunningService, close_inherited_locks
from app.logs import configure, resolve_format
from app.server import ensure_fd_limit, port_problem, serve

logger = logging.getLogger("app")


def worker_app() -> Litestar:
    """The app, built in the HTTP server's worker process, which is tied to this
    process's life: a worker left behind by a ``kill -9`` would keep the port."""
    die_with_parent()
    close_inherited_locks()
    return create_app()


USAGE = """usage: scripts/serve

Starts the service on APP_HOST:APP_PORT (127.0.0.1:8000). Without
APP_MONGODB_URL it also starts the embedded database engine on
APP_ENGINE_PORT (27018), with its data in APP_DATA_DIR (./data).
Settings are APP_ environment variables only (README, "Configuration");
Ctrl-C or SIGTERM stops the service and the engine."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        # Any argument is a question or a mistake: neither may start a server.
        if argv[0] in ("-h", "--help"):
            print(USAGE)
            return 0
        print(f"error: scripts/serve takes no arguments, not {argv[0]!r} (--help)", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except BadSetting as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # The HTTP server applies the same configuration in its worker (app/logs.py).
    log_config = configure(settings.log_format, settings.log_level)
    json_logs = resolve_format(settings.log_format) == "json"

    def announce(line: str) -> None:
        # A plain line for people at a terminal, a log line among JSON lines.
        if json_logs:
            logger.info(line)
        else:
            print(line, flush=True)

    # Until the HTTP server takes over the signals, Ctrl-C or SIGTERM must not
    # end this process before the engine is stopped.
    StopRequested().install()
    lock: DataDirLock | None = None
    if not settings.mongodb_url:
        # One service per data directory: two engines on one SQLite file corrupt it.
        lock = DataDirLock(settings.data_dir)
        try:
            lock.acquire()
        except DataDirInUse as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    checks: list[tuple[str, int, str, str | None]] = [
        (settings.host, settings.port, "APP_PORT", "APP_HOST")
    ]
    if settings.metrics_port is not None:
        checks.append(
            (settings.metrics_host, settings.metrics_port, "APP_METRICS_PORT", "APP_METRICS_HOST")
        )
    if lock is not None:
        checks.append(("127.0.0.1", settings.engine_port, "APP_ENGINE_PORT", None))
    for host, port, variable, host_variable in checks:
        problem = port_problem(host, port, variable, host_variable)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
    max_connections = ensure_fd_limit(settings.max_connections)
    engine: EmbeddedEngine | None = None
    if lock is None:
        announce("database: APP_MONGODB_URL")
    else:
        engine = EmbeddedEngine(Path(settings.data_dir) / "engine", port=settings.engine_port)
        try:
            engine.start()
        except EngineError as exc:
            print(f"error: {exc}", file=sys.stderr)
            engine.stop()
            return 1
        engine.supervise()
        lock.record(
            RunningService(
                pid=os.getpid(),
                engine_port=engine.port,
                engine_url=engine.url,
                http_host=settings.host,
                http_port=settings.port,
            )
        )
        os.environ["APP_MONGODB_URL"] = engine.url
        get_settings.cache_clear()
        announce(f"database: embedded engine at {engine.url} (data in {engine.data_dir})")
    announce(f"service: http://{settings.host}:{settings.port}")
    if settings.docs_enabled:
        announce(f"docs: http://{settings.host}:{settings.port}{DOCS_PATH}")
    try:
        # granian over uvicorn: in four scripts/bench runs its median GET-by-ID
        # rate was 2-28% higher (single rounds varied) at 10-20% less CPU per
        # request; the README has the table.
        serve(settings, "app.__main__:worker_app", max_connections, log_config)
    finally:
        if engine is not None:
            engine.stop()
            announce("embedded engine stopped")
        if lock is not None:
            lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
