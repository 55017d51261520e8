"""Hostile request bodies and methods: always a 4xx with the one error body, never a 500,
never a traceback in the log (PROBE D4, D12)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar, get
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.config import Settings
from app.security.requests import PUBLIC
from tests.conftest import SERVICE_TOKEN
from tests.integration.helpers import Store, running_service

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
SOME_ID = "a" * 24

DEEP = b"[" * 10_000 + b"]" * 10_000  # ~20 kB, under the body limit
# (name, body, expected code)
HOSTILE_BODIES: list[tuple[str, bytes, str]] = [
    ("invalid utf-8", b'{"email":"\xff","password":"x"}', "VALIDATION_ERROR"),
    ("invalid utf-8 in a key", b'{"\xc3\x28":1}', "VALIDATION_ERROR"),
    ("10,000 levels", DEEP, "VALIDATION_ERROR"),
    ("10,000 levels in a field", b'{"email":' + DEEP + b"}", "VALIDATION_ERROR"),
    ("duplicate key", b'{"role":"user","role":"admin"}', "DUPLICATE_KEY"),
    ("escaped duplicate", b'{"role":"user","r\\u006fle":"admin"}', "DUPLICATE_KEY"),
    ("nested duplicate", b'{"ids":[{"a":{"k":1,"k":2}}]}', "DUPLICATE_KEY"),
]


def json_routes(app: Litestar) -> list[tuple[str, str, bool]]:
    """(method, path, public) of every handler that takes a JSON body."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if "data" in handler.parsed_fn_signature.parameters:
                path = re.sub(r"\{[^}]+\}", SOME_ID, route.path)
                for method in handler.http_methods:
                    found.append((method, path, bool(handler.opt.get(PUBLIC))))
    return sorted(found)


def all_paths(app: Litestar) -> list[str]:
    return sorted({re.sub(r"\{[^}]+\}", SOME_ID, route.path) for route in app.routes})


async def admin_token(client: Client, store: Store) -> str:
    await store.add_user("admin@example.org", role="admin", permissions=["users:manage"])
    response = await client.post(
        "/api/auth/login", json={"email": "admin@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    return str(response.json()["session"]["token"])


def credentials(path: str, token: str) -> dict[str, str]:
    bearer = SERVICE_TOKEN if path.startswith("/api/internal/") else token
    return {"Authorization": f"Bearer {bearer}", "content-type": "application/json"}


def assert_error_body(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, (response.request.url, response.text)
    body = response.json()
    assert set(body) <= {"success", "code", "error", "details"}
    assert body["success"] is False and body["code"] == code and body["error"]


def test_every_json_route_is_found(app: Litestar) -> None:
    routes = json_routes(app)
    assert ("POST", "/api/auth/login", True) in routes
    assert ("POST", "/api/users", False) in routes
    assert ("PATCH", f"/api/users/{SOME_ID}", False) in routes
    assert len(routes) >= 7


@pytest.mark.parametrize(
    ("name", "body", "code"), HOSTILE_BODIES, ids=[b[0] for b in HOSTILE_BODIES]
)
async def test_hostile_bodies_get_400_on_every_json_route(
    client: Client, store: Store, app: Litestar, name: str, body: bytes, code: str
) -> None:
    token = await admin_token(client, store)
    for method, path, _ in json_routes(app):
        response = await client.request(
            method, path, content=body, headers=credentials(path, token)
        )
        assert_error_body(response, 400, code)
    # Nothing was written by any of them (the admin's login is the only event).
    assert await store.db.users.count_documents({}) == 1


async def test_duplicate_key_names_the_field(client: Client, store: Store) -> None:
    token = await admin_token(client, store)
    body = b'{"name":"Eve","email":"eve@example.org","role":"user","role":"admin"}'
    response = await client.post("/api/users", content=body, headers=credentials("", token))
    assert_error_body(response, 400, "DUPLICATE_KEY")
    assert response.json()["details"] == [
        {"field": "role", "reason": "duplicate_key", "message": "appears twice in one object"}
    ]
    assert await store.db.users.find_one({"email": "eve@example.org"}) is None


async def test_duplicate_email_in_login_is_refused(client: Client, store: Store) -> None:
    """A proxy reading the first key and the service reading the last must not disagree."""
    await store.add_user("real@example.org")
    body = b'{"email":"wrong@example.org","password":"%s","email":"real@example.org"}' % (
        PASSWORD.encode()
    )
    response = await client.post(
        "/api/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert_error_body(response, 400, "DUPLICATE_KEY")


async def test_ordinary_bodies_still_pass(client: Client, store: Store) -> None:
    """Colons, escapes and repeated keys in different objects are not duplicates."""
    token = await admin_token(client, store)
    body = (
        b'{"name":"Ay\\u015fe: \\"the\\" \\u003a one","email":"ayse@example.org",'
        b'"role":"staff","labels":["a","b"],"avatar":"https://example.org/a:b.png"}'
    )
    response = await client.post("/api/users", content=body, headers=credentials("", token))
    assert response.status_code == 201, response.text
    assert response.json()["name"] == 'Ayşe: "the" : one'


async def test_options_never_fails_on_any_route(
    client: Client, store: Store, app: Litestar
) -> None:
    token = await admin_token(client, store)
    paths = all_paths(app)
    assert "/api/audit-logs" in paths and "/api/security-events" in paths
    for path in paths:
        for headers in ({}, {"Authorization": f"Bearer {token}"}):
            response = await client.options(path, headers=headers)
            assert response.status_code == 204, (path, response.status_code, response.text)
            assert "OPTIONS" in response.headers["allow"]


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_real_fault_still_logs_its_traceback(settings: Settings) -> None:
    @get("/boom", opt={PUBLIC: True})
    async def boom() -> None:
        raise RuntimeError("a real bug")

    app = create_app(settings)
    app.register(boom)
    records = Records()
    async with AsyncTestClient(app) as client:
        # Attached after start-up: Litestar's logging set-up replaces the root handlers.
        logging.getLogger("app").addHandler(records)
        try:
            response = await client.get("/boom")
        finally:
            logging.getLogger("app").removeHandler(records)
    assert_error_body(response, 500, "INTERNAL_ERROR")
    assert any(record.exc_info for record in records.records)


def test_the_running_server_logs_no_traceback_for_bad_input(
    engine: Any, database_name: str, tmp_path: Path
) -> None:
    """Against `python -m app` (granian and all): each of these once, then the log."""
    log = tmp_path / "service.log"
    with running_service(engine.url, database_name, log_file=log) as base:
        with httpx.Client(base_url=base, timeout=30) as http:
            for _, body, code in HOSTILE_BODIES:
                response = http.post(
                    "/api/auth/login", content=body, headers={"content-type": "application/json"}
                )
                assert_error_body(response, 400, code)
            for path in ("/api/audit-logs", "/api/security-events", "/api/users"):
                assert http.options(path).status_code == 204
    text = log.read_text(errors="replace")
    assert "Listening at" in text  # the log was really captured
    assert "Traceback" not in text
    assert '"level":"ERROR"' not in text and " ERROR " not in text
