"""The HTTP server (granian) as ``python -m app`` runs it, and its start-up checks.

Connection handling is set deliberately (README, "Connections"):
- ``APP_MAX_CONNECTIONS`` open connections per worker (granian's backpressure,
  a semaphore held by each accepted connection, idle or not);
- ``APP_HEADER_READ_TIMEOUT_SECONDS``: a connection that has not sent a whole
  request head in that time is closed, silent new connections and idle
  keep-alive connections included;
- ``APP_MAX_HEADER_BYTES``: the read buffer, so the largest request head;
- the body deadline is the app's (``app/http/body_deadline.py``): granian has none.
"""

from __future__ import annotations

import errno
import logging
import resource
import socket
from typing import Any

from app.config import Settings

logger = logging.getLogger("app.server")

# Descriptors a worker needs besides client connections: the database pool
# (PyMongo's default maxPoolSize is 100) and its monitors, epoll, eventfds,
# log files, the hashing threads' and the runtime's own.
FD_HEADROOM = 512


def ensure_fd_limit(max_connections: int) -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit when the settings need more.

    Returns how many connections the limit allows (``max_connections`` unless the
    hard limit is too low, which is logged with what to change).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = max_connections + FD_HEADROOM
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            logger.info(
                "raised the file-descriptor limit (RLIMIT_NOFILE) from %d to %d "
                "for APP_MAX_CONNECTIONS=%d",
                soft,
                target,
                max_connections,
            )
            soft = target
        except (ValueError, OSError) as exc:
            logger.warning("could not raise the file-descriptor limit from %d: %s", soft, exc)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return max_connections
    allowed = max(1, soft - FD_HEADROOM if soft > 2 * FD_HEADROOM else soft // 2)
    logger.warning(
        "connections capped at %d instead of APP_MAX_CONNECTIONS=%d: the file-descriptor "
        "limit (RLIMIT_NOFILE) is %d and its hard limit %d; raise it (ulimit -n, systemd "
        "LimitNOFILE=, docker --ulimit nofile=) or lower APP_MAX_CONNECTIONS",
        allowed,
        max_connections,
        soft,
        hard,
    )
    return allowed


def port_problem(
    host: str, port: int, variable: str, host_variable: str | None = None
) -> str | None:
    """Why ``host:port`` cannot be ours, or ``None`` when it is free.

    granian binds with SO_REUSEPORT, so a second server of the same user would
    silently share the port (the kernel splits connections between them). A
    plain bind, without SO_REUSEPORT, fails whenever anything listens there.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # Connections of an earlier run in TIME_WAIT are no conflict.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is already in use by another process; "
                    f"stop it or set {variable} to a free port"
                )
            # A name that does not resolve, or an address not of this machine.
            if host_variable and (
                isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL
            ):
                variable = host_variable
            return f"cannot listen on {host}:{port} ({exc.strerror}); check {variable}"
    return None


def serve(
    settings: Settings, target: str, max_connections: int, log_config: dict[str, Any] | None = None
) -> None:
    """Run granian until Ctrl-C or SIGTERM, then drain; its worker logs with
    ``log_config`` (``app.logs.logging_config``)."""
    # Imported only now: granian's native module raises the soft RLIMIT_NOFILE
    # as a side effect of being imported (its sysinfo dependency), which would
    # hide from ensure_fd_limit() the limit the service was started with.
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    Granian(
        target,
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=1,
        # HTTP/1.1 only: in "auto" mode hyper-util waits for a client's first
        # bytes to tell HTTP/1 from HTTP/2 with no timeout, so a silent
        # connection was never closed and held its slot for good.
        http=HTTPModes.http1,
        websockets=False,
        backlog=settings.backlog,
        backpressure=max_connections,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.header_read_timeout_seconds * 1000),
            keep_alive=True,
            max_buffer_size=settings.max_header_bytes,
        ),
        log_dictconfig=log_config,
        # The access log is the app's (app/http/observe.py): one line with the
        # request ID and route template, in the configured format.
        log_access=False,
    ).serve()
