"""``scripts/manage``: the management commands (Litestar's CLI with this
service's ``tokens``, ``users`` and ``db`` groups) from any shell, on the same
settings as ``scripts/serve``, whether or not the service is running.

The database: ``APP_MONGODB_URL`` when it is set. Otherwise the embedded
engine of ``APP_DATA_DIR``: the running service's (``app.instance``
records its URL), or, when no service runs there, one started for the
command's duration while this process holds the data directory's lock, so
the service cannot start on the same files meanwhile. The line
``database: …`` (on stderr, so stdout stays the command's own) says which.
An unreachable database is one line and exit status 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click
from pymongo import MongoClient
from pymongo.errors import PyMongoError
from pymongo.uri_parser import parse_uri

from app.config import BadSetting, Settings, get_settings, load_settings
from app.engine import EmbeddedEngine, EngineError
from app.errors import DatabaseUnavailable
from app.instance import DataDirInUse, DataDirLock, read_running
from app.server import port_problem

ROOT = Path(__file__).resolve().parents[1]
DATABASE_GROUPS = frozenset({"tokens", "users", "db"})
# Set by scripts/manage (which works from the repository root): paths given on
# the command line are the caller's.
CALLER_DIR = "MANAGE_CALLER_DIR"


HELP = """The Panel Users Service's management commands: tokens, users, db.

On the same APP_ settings as scripts/serve; the database is APP_MONGODB_URL,
else the running service's embedded engine, else one started for the command
(README, "Management commands"). `scripts/manage users --help` and so on list
each group's commands."""


class Refused(Exception):
    """One line for stderr, and the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split(" (configured timeouts")[0].split(", Timeout:")[0][:300]


def _needs_database(argv: list[str]) -> bool:
    return bool(argv) and argv[0] in DATABASE_GROUPS and not {"--help", "-h"} & set(argv)


def _check_reachable(url: str, settings: Settings) -> None:
    wait_ms = min(settings.connect_timeout_ms, settings.request_timeout_ms)
    client: MongoClient[dict[str, object]] = MongoClient(
        url, serverSelectionTimeoutMS=wait_ms, connectTimeoutMS=wait_ms
    )
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        raise Refused(f"error: the database does not answer ({_short(exc)})", 2) from None
    finally:
        client.close()


def _database(settings: Settings, stack: contextlib.ExitStack) -> tuple[str, str]:
    """(URL, what to say about it); starts the embedded engine when needed."""
    if settings.mongodb_url:
        try:
            hosts = ",".join(f"{h}:{p}" for h, p in parse_uri(settings.mongodb_url)["nodelist"])
        except Exception as exc:  # any malformed URL is one line
            raise Refused(f"error: APP_MONGODB_URL is not a MongoDB URL ({_short(exc)})") from None
        return settings.mongodb_url, f"APP_MONGODB_URL ({hosts}), database {settings.database}"
    data_dir = Path(settings.data_dir).resolve()
    running = read_running(data_dir)
    if running is not None:
        return running.engine_url, (
            f"the embedded engine of the running service (PID {running.pid}) at"
            f" {running.engine_url}, data in {data_dir}, database {settings.database}"
        )
    lock = DataDirLock(data_dir)
    try:
        lock.acquire()
    except DataDirInUse as exc:
        raise Refused(f"error: {exc}") from None
    stack.callback(lock.release)
    problem = port_problem("127.0.0.1", settings.engine_port, "APP_ENGINE_PORT")
    if problem:
        raise Refused(f"error: {problem}")
    engine = EmbeddedEngine(data_dir / "engine", port=settings.engine_port)
    stack.callback(engine.stop)
    try:
        engine.start()
    except EngineError as exc:
        raise Refused(f"error: {exc}") from None
    return engine.url, (
        f"embedded engine at {engine.url} (data in {data_dir}, database {settings.database}),"
        " started for this command; the service cannot start on it until the command ends"
    )


def _run_cli(argv: list[str]) -> int:
    # Litestar's CLI would read .env from the current directory (python-dotenv);
    # the service does not, and both must run on the same settings.
    sys.modules["dotenv"] = None  # type: ignore[assignment]
    os.environ["LITESTAR_APP"] = "app.asgi:create_app"
    from litestar.cli.main import litestar_group

    # `run` would start uvicorn without the embedded engine (scripts/serve runs
    # the service), and `sessions` is Litestar's server-side session store,
    # unrelated to this service's auth sessions: both only mislead here.
    for misleading in ("run", "sessions"):
        litestar_group.commands.pop(misleading, None)
    litestar_group.help = HELP
    try:
        result = litestar_group.main(args=argv, prog_name="scripts/manage", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        return 1
    except (PyMongoError, DatabaseUnavailable) as exc:
        print(f"error: the database failed ({_short(exc)})", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        settings = load_settings()
    except BadSetting as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Relative paths of the settings mean what they mean to scripts/serve (the
    # repository root); relative paths on the command line are the caller's.
    os.environ["APP_DATA_DIR"] = str(Path(settings.data_dir).resolve())
    get_settings.cache_clear()
    settings = get_settings()
    sys.path.insert(0, str(ROOT))
    if os.environ.get(CALLER_DIR):
        os.chdir(os.environ[CALLER_DIR])
    with contextlib.ExitStack() as stack:
        if _needs_database(argv):
            try:
                url, description = _database(settings, stack)
                print(f"database: {description}", file=sys.stderr, flush=True)
                _check_reachable(url, settings)
            except Refused as refused:
                print(refused, file=sys.stderr)
                return refused.status
            os.environ["APP_MONGODB_URL"] = url
        get_settings.cache_clear()
        return _run_cli(argv)


if __name__ == "__main__":
    sys.exit(main())
