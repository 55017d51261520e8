"""One service per data directory, and how other processes find it.

``python -m app`` with the embedded engine holds an exclusive ``flock`` on
``<APP_DATA_DIR>/service.lock`` for its whole life. The kernel drops the lock
when the process ends, even on ``kill -9``, so a crash never leaves a stale
lock behind: a left-over file without a holder means nothing is running.

The lock file also records what a management command needs to reach the
running engine (its port and URL), the service's PID and its HTTP address.
``read_running()`` returns that record only while the lock is held.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

LOCK_NAME = "service.lock"

# Lock fds this process holds. A worker forked by the HTTP server inherits
# them and must close its copies, or a kill -9 of the supervisor would leave
# the lock held until the worker has drained.
_held: list[int] = []


@dataclass(frozen=True)
class RunningService:
    pid: int
    engine_port: int
    engine_url: str
    http_host: str
    http_port: int


class DataDirInUse(RuntimeError):
    def __init__(self, data_dir: Path, pid: int | None) -> None:
        self.data_dir = data_dir
        self.pid = pid
        holder = f"the service with PID {pid}" if pid else "another process"
        super().__init__(
            f"data directory {data_dir} is in use by {holder} "
            f"(lock {data_dir / LOCK_NAME}); stop it or set APP_DATA_DIR to another directory"
        )


def _lock_path(data_dir: str | Path) -> Path:
    return Path(data_dir).resolve() / LOCK_NAME


def _read_record(fd: int) -> dict[str, object]:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = b""
    while chunk := os.read(fd, 4096):
        raw += chunk
    try:
        record = json.loads(raw)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


class DataDirLock:
    """The exclusive lock on a data directory, held until ``release()`` or process exit."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.path = self.data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self, wait_seconds: float = 0.5) -> None:
        """Take the lock or raise ``DataDirInUse`` naming the holder's PID.

        ``wait_seconds`` only rides over ``read_running()``, which holds a shared
        lock for a few microseconds; a running service holds it for good.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    pid = _read_record(fd).get("pid")
                    os.close(fd)
                    holder = pid if isinstance(pid, int) else None
                    raise DataDirInUse(self.data_dir, holder) from None
                time.sleep(0.05)
        self._fd = fd
        _held.append(fd)
        self._write({"pid": os.getpid()})

    def record(self, service: RunningService) -> None:
        self._write(asdict(service))

    def _write(self, record: dict[str, object]) -> None:
        if self._fd is None:
            raise RuntimeError("the data directory lock is not held")
        # Rewritten in place: replacing the file would move the lock to an orphaned inode.
        data = json.dumps(record).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)
        os.fsync(self._fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(ValueError):
            _held.remove(fd)
        os.ftruncate(fd, 0)
        os.close(fd)  # closing the last descriptor releases the flock


def close_inherited_locks() -> None:
    """In a forked child: drop the copies of the parent's lock descriptors.

    Closing (not unlocking) leaves the parent's lock in place.
    """
    while _held:
        with contextlib.suppress(OSError):
            os.close(_held.pop())


def read_running(data_dir: str | Path) -> RunningService | None:
    """The service running on ``data_dir``, or ``None`` when nothing holds its lock."""
    try:
        fd = os.open(_lock_path(data_dir), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None  # a file left by a process that has ended
        record = _read_record(fd)
        try:
            return RunningService(
                pid=int(record["pid"]),  # type: ignore[call-overload]
                engine_port=int(record["engine_port"]),  # type: ignore[call-overload]
                engine_url=str(record["engine_url"]),
                http_host=str(record["http_host"]),
                http_port=int(record["http_port"]),  # type: ignore[call-overload]
            )
        except (KeyError, TypeError, ValueError):
            return None  # held, but the engine is not recorded yet (still starting)
    finally:
        os.close(fd)
