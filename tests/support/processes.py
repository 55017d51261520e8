"""Processes for the suite and the bench: free ports, ``python -m app`` started
as production runs it and waited for, and what ``/proc`` says about a process
tree (children, CPU time, resident memory).

The one definition of each; ``die_with_parent`` stays in ``app.engine``, which
the service itself uses.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port(host: str = HOST) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def port_in_use(host: str = HOST) -> Iterator[int]:
    """A port another process (this one) listens on while the block runs."""
    with socket.socket() as taken:
        taken.bind((host, 0))
        taken.listen()
        yield taken.getsockname()[1]


def service_environment(mongodb_url: str, database: str, port: int, **env: str) -> dict[str, str]:
    """This process's environment with the service's database and port; ``env`` last."""
    return {
        **os.environ,
        "APP_MONGODB_URL": mongodb_url,
        "APP_DATABASE": database,
        "APP_PORT": str(port),
        "APP_COOKIE_SECURE": "false",
        **env,
    }


def start_service(
    environment: dict[str, str],
    *,
    log_file: Path | None = None,
    command: list[str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.Popen[bytes]:
    """Spawn ``python -m app`` (or ``command``) from the repository root; its
    output goes to ``log_file`` when given, else nowhere."""
    output = log_file.open("wb") if log_file is not None else None
    try:
        return subprocess.Popen(
            command or [sys.executable, "-m", "app"],
            env=environment,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=output or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if output else subprocess.DEVNULL,
            preexec_fn=preexec_fn,
        )
    finally:
        if output is not None:
            output.close()  # the child holds its own descriptor


def wait_ready(
    port: int,
    process: subprocess.Popen[bytes],
    *,
    timeout: float = 30.0,
    log_file: Path | None = None,
) -> None:
    """Until ``/ready`` answers 200 (indexes made, database reachable). Raises
    RuntimeError, with the end of the log, when the process exits or the time
    is up; stopping the process is the caller's."""
    url = f"http://{HOST}:{port}/ready"
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            why = "exited" if process.poll() is not None else f"not ready in {timeout:.0f} s"
            tail = log_file.read_text(errors="replace")[-2000:] if log_file else ""
            raise RuntimeError(f"the service did not become ready ({why}); its log ends:\n{tail}")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM (the service drains), SIGKILL if it is still there after ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stat_fields(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name (which may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            children.setdefault(int(_stat_fields(entry.name)[1]), []).append(int(entry.name))
    found: list[int] = []
    stack = list(children.get(pid, []))
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = _stat_fields(pid)
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def rss_bytes(pids: list[int]) -> int:
    """VmRSS summed over these processes."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total
