"""Metrics, request IDs and JSON logs of `python -m app` (granian and all)."""

from __future__ import annotations

import json
import os
import re
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient

from tests.integration.helpers import (
    DEFAULT_PASSWORD,
    ROOT_EMAIL,
    cheap_service_env,
    running_service,
)
from tests.support.processes import free_port, start_service, stop_process, wait_ready

METRICS_TOKEN = "metrics-" + "m" * 40
SERVICE_TOKEN = "verify-" + "v" * 40
GENERATED_ID = re.compile(r"[0-9a-f]{32}")
# The start-up calibration of a cost-12 bcrypt verify takes seconds on a loaded machine.
FAST_START = {"APP_LEGACY_BCRYPT_COST": "4"}


@dataclass
class Service:
    base: str
    log: Path
    metrics_port: int | None = None

    def lines(self) -> list[dict[str, Any]]:
        """Every log line so far, each parsed: a line that is not JSON fails here."""
        parsed = []
        for line in self.log.read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                assert isinstance(record, dict), line
                assert {"time", "level", "logger", "message"} <= record.keys(), line
                parsed.append(record)
        return parsed


@pytest.fixture(scope="module")
def observed(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Metrics by token and on a port of their own, JSON logs at DEBUG with the
    access log, and this machine as a trusted proxy."""
    log = tmp_path_factory.mktemp("observe") / "service.log"
    port = free_port()
    database = f"test_obs_{uuid.uuid4().hex[:12]}"
    env = cheap_service_env(
        APP_METRICS_TOKEN=METRICS_TOKEN,
        APP_METRICS_PORT=str(port),
        APP_LOG_FORMAT="json",
        APP_LOG_LEVEL="DEBUG",
        APP_ACCESS_LOG="true",
        APP_TRUSTED_PROXIES="127.0.0.1",
        APP_BODY_READ_TIMEOUT_SECONDS="1",
        APP_SERVICE_TOKENS=f"internal:{SERVICE_TOKEN}",
        **FAST_START,
    )
    try:
        with running_service(engine.url, database, log_file=log, **env) as base:
            yield Service(base, log, port)
    finally:
        with MongoClient(engine.url, serverSelectionTimeoutMS=2000) as client:
            client.drop_database(database)


def scrape(url: str, **headers: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx.get(url, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_route_templates_and_login_outcomes(observed: Service) -> None:
    url = f"{observed.base}/metrics"
    before = scrape(url, Authorization=f"Bearer {METRICS_TOKEN}")
    with httpx.Client(base_url=observed.base, timeout=30) as http:
        wrong = http.post(
            "/api/auth/login", json={"email": ROOT_EMAIL, "password": "not the password"}
        )
        assert wrong.status_code == 401
        right = http.post(
            "/api/auth/login", json={"email": ROOT_EMAIL, "password": DEFAULT_PASSWORD}
        )
        assert right.status_code == 200
        data = right.json()
        http.headers["Authorization"] = f"Bearer {data['session']['token']}"
        user_id = data["user"]["_id"]
        assert http.get(f"/api/users/{user_id}").status_code == 200
        assert http.get("/api/users/by-email", params={"email": ROOT_EMAIL}).status_code == 200
        assert http.get("/no/such/route/someone@example.org").status_code == 404
        # A guesser behind the trusted proxy locks its own address out of an account.
        guess = {"email": "target@example.org", "password": "guess guess"}
        behind = {"X-Forwarded-For": "203.0.113.5"}
        codes = [http.post("/api/auth/login", json=guess, headers=behind) for _ in range(6)]
        assert [c.status_code for c in codes] == [401] * 5 + [429]
    samples = scrape(url, Authorization=f"Bearer {METRICS_TOKEN}")

    def added(name: str, **labels: str) -> float:
        return value(samples, name, **labels) - value(before, name, **labels)

    requests = "panel_users_http_requests_total"
    assert value(samples, requests, route="/api/users/{id}", method="GET", status="200") >= 1
    assert value(samples, requests, route="/api/auth/login", method="POST", status="401") >= 1
    assert value(samples, requests, route="<unmatched>", method="GET", status="404") >= 1
    timed = "panel_users_http_request_duration_seconds_count"
    assert value(samples, timed, route="/api/users/{id}", method="GET") >= 1
    checks = "panel_users_password_checks_total"
    assert added(checks, purpose="login", outcome="wrong_password") == 1
    assert value(samples, checks, purpose="login", outcome="success") >= 1
    assert value(samples, "panel_users_error_responses_total", code="INVALID_CREDENTIALS") >= 1
    assert added(checks, purpose="login", outcome="unknown_user") == 5
    assert added(checks, purpose="login", outcome="locked") == 1
    assert added("panel_users_lockouts_total", scope="client") == 1
    assert ("panel_users_hash_queue_waiting", frozenset()) in samples
    assert value(samples, "panel_users_hash_queue_wait_seconds_count") >= 2
    # Bounded labels: templates only, never an email, an ID or a raw path.
    for _, labels in samples:
        for _, label in labels:
            assert "@" not in label and user_id not in label, label
            assert "/no/such" not in label and "203.0.113" not in label, label


def test_metrics_need_their_token_or_their_port(observed: Service) -> None:
    url = f"{observed.base}/metrics"
    for headers in ({}, {"Authorization": "Bearer " + "x" * 48}, {"Authorization": METRICS_TOKEN}):
        refused = httpx.get(url, headers=headers, timeout=10)
        assert refused.status_code == 401
        assert refused.json()["code"] == "UNAUTHENTICATED"
    # A session or service token of the API is not the metrics token.
    refused = httpx.get(url, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=10)
    assert refused.status_code == 401
    # The separate listener needs no token (its address is its protection).
    samples = scrape(f"http://127.0.0.1:{observed.metrics_port}/metrics")
    assert any(name == "panel_users_http_requests_total" for name, _ in samples)


def test_a_trusted_proxy_request_id_is_kept_and_a_bad_one_replaced(observed: Service) -> None:
    with httpx.Client(base_url=observed.base, timeout=30) as http:
        kept = http.get("/health", headers={"X-Request-ID": "proxy-id.0001:abc"})
        assert kept.headers["x-request-id"] == "proxy-id.0001:abc"
        for bad in ("has space", "x" * 65, "-leading-dash", 'quote"d', "ünï"):
            replaced = http.get("/health", headers={"X-Request-ID": bad.encode()})
            assert GENERATED_ID.fullmatch(replaced.headers["x-request-id"]), bad
        # Errors and unknown routes carry one too.
        missing = http.get("/no/such/route")
        assert missing.status_code == 404
        assert GENERATED_ID.fullmatch(missing.headers["x-request-id"])
        ids = {http.get("/health").headers["x-request-id"] for _ in range(3)}
        assert len(ids) == 3


def test_every_log_line_of_a_request_carries_its_id(observed: Service) -> None:
    """A body that never arrives: the body deadline logs, then the access log."""
    request_id = f"slow-body-{uuid.uuid4().hex[:8]}"
    port = int(observed.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(
            b"POST /api/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\nX-Request-ID: " + request_id.encode() + b'\r\n\r\n{"email"'
        )
        answer = sock.recv(65536)
    assert b" 408 " in answer.split(b"\r\n", 1)[0]
    assert f"x-request-id: {request_id}".encode() in answer.lower()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        mine = [line for line in observed.lines() if line.get("request_id") == request_id]
        if any(line["logger"] == "app.access" for line in mine):
            break
        time.sleep(0.1)
    assert [line["logger"] for line in mine] == ["app.http", "app.access"], mine
    assert mine[1]["status"] == 408 and mine[1]["route"] == "/api/auth/login"
    # And no line about this request went without it.
    about = [line for line in observed.lines() if "incomplete after" in line["message"]]
    assert about and all(line["request_id"] == request_id for line in about)


def test_log_lines_are_json_and_hold_no_secret(observed: Service) -> None:
    """Every auth path at DEBUG with the access log, then the whole log."""
    new_password = "brand new secret 42"
    tokens = []
    with httpx.Client(base_url=observed.base, timeout=30) as http:
        http.post("/api/auth/login", json={"email": ROOT_EMAIL, "password": "wrong secret 1"})
        login = http.post(
            "/api/auth/login", json={"email": ROOT_EMAIL, "password": DEFAULT_PASSWORD}
        )
        tokens.append(login.json()["session"]["token"])
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        assert http.get("/api/auth/me", headers=auth).status_code == 200
        changed = http.post(
            "/api/auth/password",
            json={"currentPassword": DEFAULT_PASSWORD, "newPassword": new_password},
            headers=auth,
        )
        assert changed.status_code == 200, changed.text
        verify = http.post(
            "/api/internal/auth/verify",
            json={"email": ROOT_EMAIL, "password": new_password},
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        )
        assert verify.status_code == 200
        again = http.post("/api/auth/login", json={"email": ROOT_EMAIL, "password": new_password})
        tokens.append(again.json()["session"]["token"])
        # Put the password back for the other tests of this module.
        http.post(
            "/api/auth/password",
            json={"currentPassword": new_password, "newPassword": DEFAULT_PASSWORD},
            headers={"Authorization": f"Bearer {tokens[1]}"},
        )
        http.post("/api/auth/logout", headers={"Authorization": f"Bearer {tokens[1]}"})
    scrape(f"{observed.base}/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
    lines = observed.lines()  # parses every line
    assert any(line["logger"] == "app.access" for line in lines)
    text = observed.log.read_text()
    for secret in [
        DEFAULT_PASSWORD,
        new_password,
        "wrong secret 1",
        *tokens,
        SERVICE_TOKEN,
        METRICS_TOKEN,
        "$argon2",
        "passwordHash",
    ]:
        assert secret not in text, f"{secret[:12]}… in the log"


@pytest.fixture(scope="module")
def plain(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The defaults: no metrics setting, no trusted proxy."""
    log = tmp_path_factory.mktemp("plain") / "service.log"
    database = f"test_obs_{uuid.uuid4().hex[:12]}"
    try:
        with running_service(
            engine.url, database, log_file=log, **cheap_service_env(**FAST_START)
        ) as base:
            yield Service(base, log)
    finally:
        with MongoClient(engine.url, serverSelectionTimeoutMS=2000) as client:
            client.drop_database(database)


def test_by_default_no_metrics_and_no_client_chosen_request_id(plain: Service) -> None:
    with httpx.Client(base_url=plain.base, timeout=30) as http:
        hidden = http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert hidden.status_code == 404
        assert hidden.json()["code"] == "NOT_FOUND"
        # A client that is no trusted proxy cannot choose the ID of its log lines.
        chosen = http.get("/health", headers={"X-Request-ID": "client-chosen-id"})
        assert GENERATED_ID.fullmatch(chosen.headers["x-request-id"])
    assert plain.lines()  # JSON when not at a terminal


def test_engine_restarts_are_counted(tmp_path: Path) -> None:
    """The embedded engine, killed: the supervisor restarts it and the worker says so."""
    port, engine_port, metrics_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "APP_MONGODB_URL"}
    env.update(
        APP_DATA_DIR=str(tmp_path / "data"),
        APP_PORT=str(port),
        APP_ENGINE_PORT=str(engine_port),
        APP_METRICS_PORT=str(metrics_port),
        APP_COOKIE_SECURE="false",
        **FAST_START,
    )
    log = tmp_path / "service.log"
    process = start_service(env, log_file=log)
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        wait_ready(port, process, timeout=60, log_file=log)
        assert value(scrape(url), "panel_users_engine_restarts_total") == 0
        engine_pid = int((tmp_path / "data" / "engine" / "engine.pid").read_text())
        os.kill(engine_pid, 9)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if value(scrape(url), "panel_users_engine_restarts_total") == 1:
                break
            time.sleep(0.5)
        assert value(scrape(url), "panel_users_engine_restarts_total") == 1, log.read_text()
    finally:
        stop_process(process)
