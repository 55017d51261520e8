"""Idle, silent and slow clients against the real server (``python -m app``: granian).

These test the HTTP server, not the database, so they run on one engine only.
Every socket has a timeout; every wait is bounded by the configured timeout
plus a generous margin (a loaded 2-core machine), never by a measured figure.
"""

from __future__ import annotations

import json
import re
import resource
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ENGINE_NAMES
from tests.support.processes import (
    descendants,
    free_port,
    rss_bytes,
    service_environment,
    start_service,
    stop_process,
    wait_ready,
)

SLACK = 4.0  # seconds allowed beyond a configured timeout
TIMEOUT = 1.0  # the header and body timeouts of the shared server

pytestmark = pytest.mark.parametrize("engine", ENGINE_NAMES[-1:], indirect=True)


@dataclass
class Served:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.settimeout(TIMEOUT + SLACK)
        return sock

    def wait_for_log(self, text: str, seconds: float = 10) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            content = self.log.read_text(errors="replace")
            if text in content:
                return content
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not in the log:\n{self.log.read_text(errors='replace')}")


@contextmanager
def serve(
    mongodb_url: str,
    log: Path,
    preexec_fn: Callable[[], None] | None = None,
    **env: str,
) -> Iterator[Served]:
    port = free_port()
    database = f"test_conn_{uuid.uuid4().hex[:12]}"
    process = start_service(
        service_environment(mongodb_url, database, port, **env),
        log_file=log,
        preexec_fn=preexec_fn,
    )
    served = Served(port, process, log)
    try:
        wait_ready(port, process, log_file=log)
        yield served
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def server(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    log = tmp_path_factory.mktemp("conn") / "service.log"
    with serve(
        engine.url,
        log,
        APP_HEADER_READ_TIMEOUT_SECONDS=str(TIMEOUT),
        APP_BODY_READ_TIMEOUT_SECONDS=str(TIMEOUT),
        APP_ACCESS_LOG="true",
    ) as served:
        yield served


def read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes; and when it closed."""
    started = time.monotonic()
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        raise AssertionError(f"still open after {time.monotonic() - started:.1f} s") from None
    return data, time.monotonic() - started


def parse_response(raw: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


def request(path: str = "/health") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode()


def read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or not data.endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_silent_connection_is_closed_after_the_header_timeout(server: Served) -> None:
    with server.connect() as sock:
        data, after = read_until_closed(sock)
    assert data == b""
    assert after >= TIMEOUT / 2  # closed by the timeout, not at once


def test_partial_request_head_is_dropped(server: Served) -> None:
    with server.connect() as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        data, after = read_until_closed(sock)
    assert data == b""
    assert after >= TIMEOUT / 2


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "trickled"])
def test_incomplete_body_gets_408_with_the_error_body(server: Served, trickle: bool) -> None:
    head = (
        b"POST /api/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Accept-Language: tr\r\nContent-Length: 100\r\n\r\n"
    )
    with server.connect() as sock:
        sock.sendall(head + b'{"email": ')
        if trickle:
            # A byte every 0.2 s would finish after 18 s; the deadline is for the whole body.
            sock.setblocking(False)
            deadline = time.monotonic() + TIMEOUT + SLACK
            received = b""
            while time.monotonic() < deadline and not received:
                try:
                    sock.send(b" ")
                    received = sock.recv(65536)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    pass
                time.sleep(0.2)
            sock.settimeout(TIMEOUT + SLACK)
            rest, _ = read_until_closed(sock)
            data = received + rest
        else:
            data, _ = read_until_closed(sock)
    status, headers, body = parse_response(data)
    assert status == 408
    assert headers["connection"] == "close"
    assert body == {
        "success": False,
        "code": "REQUEST_TIMEOUT",
        "error": "İstek gövdesi zamanında gelmedi",
    }


def test_client_leaving_mid_body_is_not_an_error(server: Served) -> None:
    with server.connect() as sock:
        sock.sendall(
            b"POST /api/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{}"
        )
        time.sleep(0.2)
    # Only this test leaves mid-body; the access log line (JSON) is written when the request ends.
    log = server.wait_for_log('"status":499')
    assert "Traceback" not in log
    assert not re.search(r'"status":500|HTTP 500|disconnected prematurely', log), log


def test_keep_alive_serves_several_requests_then_idles_out(server: Served) -> None:
    with server.connect() as sock:
        for _ in range(3):
            sock.sendall(request())
            status, headers, body = parse_response(read_response(sock))
            assert (status, body) == (200, {"status": "ok"})
            assert headers.get("connection") != "close"
            time.sleep(TIMEOUT / 4)
        data, after = read_until_closed(sock)
    assert data == b""
    assert after >= TIMEOUT / 2


def raise_own_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        assert hard >= needed, f"this test needs {needed} file descriptors (hard limit {hard})"
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def worker_rss(service_pid: int) -> int:
    """KiB resident in the service's child processes (the HTTP worker)."""
    return rss_bytes(descendants(service_pid)) // 1024


def test_5000_idle_and_slow_connections_leave_the_service_answering(
    engine: Any, tmp_path: Path
) -> None:
    count = 5000
    raise_own_fd_limit(count + 512)
    # A long header timeout keeps every connection open for the whole test.
    with serve(engine.url, tmp_path / "service.log", APP_HEADER_READ_TIMEOUT_SECONDS="60") as srv:
        sockets: list[socket.socket] = []
        rss_before = worker_rss(srv.process.pid)
        try:
            for n in range(count):
                sock = socket.create_connection(("127.0.0.1", srv.port), timeout=3)
                if n % 2:  # half of them slow: a request head that never ends
                    sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n")
                sockets.append(sock)
            with httpx.Client(base_url=f"http://127.0.0.1:{srv.port}", timeout=5) as client:
                took = []
                for _ in range(5):
                    started = time.monotonic()
                    assert client.get("/health").status_code == 200
                    took.append(time.monotonic() - started)
            # The last connections were accepted and are served, not queued:
            # an idle one sends a request, a slow one ends its head.
            for sock, rest in ((sockets[-2], request()), (sockets[-1], b"\r\n")):
                sock.settimeout(5)
                sock.sendall(rest)
                assert parse_response(read_response(sock))[0] == 200
            print(
                f"\n{count} idle or slow connections open: /health "
                f"{sorted(took)[2] * 1000:.2f} ms (median of 5), worker RSS "
                f"{rss_before / 1024:.0f} -> {worker_rss(srv.process.pid) / 1024:.0f} MiB"
            )
        finally:
            for sock in sockets:
                sock.close()


def lower_fd_limit(soft: int, hard: int | None = None) -> Callable[[], None]:
    def apply() -> None:
        current_hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard or current_hard))

    return apply


def open_files_limit(pid: int) -> tuple[int, int]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open-files limit")


def test_low_soft_fd_limit_is_raised_to_the_hard_limit(engine: Any, tmp_path: Path) -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    assert hard >= 2048, "this test needs a hard open-files limit of at least 2048"
    with serve(
        engine.url,
        tmp_path / "service.log",
        preexec_fn=lower_fd_limit(1024),
        APP_MAX_CONNECTIONS="1024",
    ) as srv:
        assert open_files_limit(srv.process.pid) == (hard, hard)
        srv.wait_for_log("raised the file-descriptor limit (RLIMIT_NOFILE) from 1024")


def test_too_low_hard_fd_limit_caps_connections_and_says_why(engine: Any, tmp_path: Path) -> None:
    with serve(
        engine.url,
        tmp_path / "service.log",
        preexec_fn=lower_fd_limit(1024, 1024),
        APP_MAX_CONNECTIONS="5000",
    ) as srv:
        srv.wait_for_log(
            "connections capped at 512 instead of APP_MAX_CONNECTIONS=5000: "
            "the file-descriptor limit (RLIMIT_NOFILE) is 1024"
        )
        assert httpx.get(f"http://127.0.0.1:{srv.port}/health", timeout=5).status_code == 200
