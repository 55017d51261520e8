"""``python -m app``: what ``scripts/serve`` runs.

With ``APP_MONGODB_URL`` the service uses that MongoDB. Without it, the
embedded engine starts first (data in ``APP_DATA_DIR``), is restarted if it
dies, and is stopped after the HTTP server has drained on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from litestar import Litestar

from app.asgi import create_app
from app.config import get_settings
from app.engine import EmbeddedEngine, EngineError, StopRequested, die_with_parent
from app.server import ensure_fd_limit, serve


def worker_app() -> Litestar:
    """The app, built in the HTTP server's worker process, which is tied to this
    process's life: a worker left behind by a ``kill -9`` would keep the port."""
    die_with_parent()
    return create_app()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    # Until the HTTP server takes over the signals, Ctrl-C or SIGTERM must not
    # end this process before the engine is stopped.
    StopRequested().install()
    max_connections = ensure_fd_limit(settings.max_connections)
    engine: EmbeddedEngine | None = None
    if settings.mongodb_url:
        print("database: APP_MONGODB_URL", flush=True)
    else:
        engine = EmbeddedEngine(Path(settings.data_dir) / "engine", port=settings.engine_port)
        try:
            engine.start()
        except EngineError as exc:
            print(f"error: {exc}", file=sys.stderr)
            engine.stop()
            return 1
        engine.supervise()
        os.environ["APP_MONGODB_URL"] = engine.url
        get_settings.cache_clear()
        print(f"database: embedded engine at {engine.url} (data in {engine.data_dir})", flush=True)
    print(f"service: http://{settings.host}:{settings.port}", flush=True)
    try:
        # granian over uvicorn: in four scripts/bench runs its median GET-by-ID
        # rate was 2-28% higher (single rounds varied) at 10-20% less CPU per
        # request; the README has the table.
        serve(settings, "app.__main__:worker_app", max_connections)
    finally:
        if engine is not None:
            engine.stop()
            print("embedded engine stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
