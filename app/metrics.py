"""The service's Prometheus metrics (README, "Metrics and logs").

Every label value is from a closed set: route templates (never a raw path),
methods, status codes, error codes and the outcomes named here. No email,
address, ID or token ever becomes a label.

One HTTP worker serves the API (``app/server.py``), so the default registry
of that process holds everything it counts; the supervisor process only
restarts the embedded engine and reports that through a small file
(``EngineRestarts``), so no multiprocess mode is needed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

# No *_created series: they double the output and nothing here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

NAMESPACE = "panel_users"
UNMATCHED_ROUTE = "<unmatched>"
OTHER_METHOD = "OTHER"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Reads by ID take a few ms; logins 0.1-0.5 s; the deadline is 5 s.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "http_requests",
    "Requests answered, by route template, method and status",
    ["route", "method", "status"],
    namespace=NAMESPACE,
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the request's arrival to the end of its response, by route template and method",
    ["route", "method"],
    namespace=NAMESPACE,
    buckets=LATENCY_BUCKETS,
)
ERROR_RESPONSES = Counter(
    "error_responses",
    "Error bodies sent, by error code (DATABASE_UNAVAILABLE and SERVICE_BUSY are the 503s)",
    ["code"],
    namespace=NAMESPACE,
)
DATABASE_FAILURES = Counter(
    "database_errors",
    "Driver errors that reached a response: unavailable (timeout, connection: 503) or error (500)",
    ["kind"],
    namespace=NAMESPACE,
)

Purpose = Literal["login", "verify", "password_change"]
Outcome = Literal[
    "success",
    "wrong_password",
    "unknown_user",
    "inactive",
    "locked",
    "rate_limited",
    "busy",
    "invalid_input",
    "unavailable",
    "abandoned",
    "error",
]
PASSWORD_CHECKS = Counter(
    "password_checks",
    "Password checks by purpose (login, the internal verify, a password change) and outcome",
    ["purpose", "outcome"],
    namespace=NAMESPACE,
)
LOCKOUTS = Counter(
    "lockouts",
    "Lockouts begun: one client address out of an account (client) or an account for all",
    ["scope"],
    namespace=NAMESPACE,
)

HASH_QUEUE_ADMITTED = Gauge(
    "hash_queue_admitted",
    "Password checks admitted to the hashing queue (waiting, hashing or doing their database work)",
    namespace=NAMESPACE,
)
HASH_QUEUE_WAITING = Gauge(
    "hash_queue_waiting", "Hash jobs waiting for a hashing thread", namespace=NAMESPACE
)
HASH_QUEUE_RUNNING = Gauge(
    "hash_queue_running", "Hash jobs being computed in a thread", namespace=NAMESPACE
)
HASH_QUEUE_WAIT = Histogram(
    "hash_queue_wait_seconds",
    "Time a hash job waited for a thread",
    namespace=NAMESPACE,
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
HASH_QUEUE_REFUSED = Counter(
    "hash_queue_refused",
    "Password checks refused at once: the client's share was full (429) or the queue (503)",
    ["reason"],
    namespace=NAMESPACE,
)


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else OTHER_METHOD


# --- the embedded engine's restarts, counted by the supervising process ------

ENGINE_STATE_FILE = "supervisor.json"


def write_engine_state(path: Path, restarts: int) -> None:
    """Record how often the supervisor restarted the engine (atomic replace)."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"service_pid": os.getpid(), "restarts": restarts}))
    temporary.replace(path)


class EngineRestarts(Collector):
    """``engine_restarts_total``, read at scrape time from the file the supervisor
    (the HTTP worker's parent process) writes; absent without an embedded engine."""

    def __init__(self) -> None:
        self.path: Path | None = None

    def collect(self) -> Iterator[CounterMetricFamily]:
        if self.path is None:
            return
        try:
            state = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        # A file left by an earlier run, or by another service, says nothing of ours.
        if not isinstance(state, dict) or state.get("service_pid") != os.getppid():
            return
        yield CounterMetricFamily(
            f"{NAMESPACE}_engine_restarts",
            "Times the supervisor restarted the embedded engine after it died",
            value=int(state.get("restarts", 0)),
        )

    def describe(self) -> Iterator[CounterMetricFamily]:
        return iter(())


ENGINE_RESTARTS = EngineRestarts()
REGISTRY.register(ENGINE_RESTARTS)


def watch_engine(engine_dir: Path) -> None:
    """Where this process finds the supervisor's record (``python -m app``'s engine)."""
    ENGINE_RESTARTS.path = engine_dir / ENGINE_STATE_FILE
