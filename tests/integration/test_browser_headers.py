"""CORS, security headers and the docs page policy; the browser rules in the real server."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from tests.conftest import SERVICE_TOKEN, make_settings
from tests.engines import free_port
from tests.integration.helpers import Store, cheap_service_env, running_service

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
PANEL = "https://panel.example.org"
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def assert_security_headers(response: httpx.Response, *, api: bool = True) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    if api:
        assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert headers["cache-control"] == "no-store"


@pytest.fixture
async def cors_client(engine: Any, database_name: str) -> AsyncIterator[Client]:
    app = create_app(make_settings(engine.url, database_name, cors_origins=f"{PANEL}/"))
    async with AsyncTestClient(app) as client:
        yield client
    store = Store(make_settings(engine.url, database_name))
    await store.db.client.drop_database(database_name)
    await store.close()


async def test_cors_answers_listed_origins_only(cors_client: Client) -> None:
    allowed = await cors_client.get("/health", headers={"Origin": PANEL})
    assert allowed.headers["access-control-allow-origin"] == PANEL
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "origin" in allowed.headers["vary"].lower()
    # Errors are readable by the listed frontend too.
    unauthenticated = await cors_client.get("/api/auth/me", headers={"Origin": PANEL})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["access-control-allow-origin"] == PANEL
    for origin in ("https://evil.example", "https://panel.example.org.evil.example", "null"):
        other = await cors_client.get("/health", headers={"Origin": origin})
        assert other.status_code == 200
        assert not [name for name in other.headers if name.startswith("access-control-")]


async def test_preflight_for_listed_origins_only(cors_client: Client) -> None:
    request = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": ""}
    preflight = await cors_client.options(
        "/api/users",
        headers={
            **request,
            "Origin": PANEL,
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == PANEL
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"]
    refused = await cors_client.options(
        "/api/users", headers={**request, "Origin": "https://evil.example"}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "ORIGIN_NOT_ALLOWED"
    assert not [name for name in refused.headers if name.startswith("access-control-")]
    assert_security_headers(refused)


async def test_a_listed_origin_may_send_credentialed_writes(cors_client: Client) -> None:
    login = await cors_client.post(
        "/api/auth/login",
        json={"email": "nobody@example.org", "password": PASSWORD},
        headers={"Origin": PANEL, "Sec-Fetch-Site": "same-site"},
    )
    assert login.status_code == 401 and login.json()["code"] == "INVALID_CREDENTIALS"
    assert login.headers["access-control-allow-origin"] == PANEL


async def test_nothing_is_allowed_by_default(client: Client) -> None:
    preflight = await client.options(
        "/api/users",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 403
    assert not [name for name in preflight.headers if name.startswith("access-control-")]
    simple = await client.get("/health", headers={"Origin": "http://localhost:5173"})
    assert "access-control-allow-origin" not in simple.headers


async def test_security_headers_on_success_and_errors(client: Client) -> None:
    responses = [
        await client.get("/health"),
        await client.get(f"/api/users/{'a' * 24}", headers=SERVICE),  # 404 from the service
        await client.get("/api/auth/me"),  # 401
        await client.get("/no/such/route"),  # 404 from the router
        await client.put("/health"),  # 405
        await client.post("/api/auth/login", content=b"x"),  # 415
        await client.post("/api/auth/login", json={"email": 1}),  # 400
        await client.post("/api/users", json={}, headers={"Origin": "https://evil.example"}),
    ]
    assert [r.status_code for r in responses] == [200, 404, 401, 404, 405, 415, 400, 403]
    for response in responses:
        assert_security_headers(response)
    # HSTS only with Secure cookies (plain http in tests).
    assert "strict-transport-security" not in responses[0].headers


async def test_security_headers_when_the_database_is_down(database_name: str) -> None:
    url = f"mongodb://127.0.0.1:{free_port()}"
    settings = make_settings(
        url, database_name, server_selection_timeout_ms=200, cookie_secure=True
    )
    async with AsyncTestClient(create_app(settings)) as client:
        ready = await client.get("/ready")
        assert ready.status_code == 503 and ready.json()["code"] == "DATABASE_UNAVAILABLE"
        assert_security_headers(ready)
        assert ready.headers["strict-transport-security"] == "max-age=31536000"
        logout = await client.post(
            "/api/auth/logout", headers={"Cookie": "__Host-auth-session=" + "t" * 43}
        )
        # The session could not be revoked, but the cookie is cleared anyway.
        assert logout.status_code == 503
        cleared = logout.headers["set-cookie"]
        assert cleared.startswith("__Host-auth-session=") and "Max-Age=0" in cleared


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


async def test_the_docs_page_policy_lets_its_scripts_run(client: Client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert_security_headers(page, api=False)
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    scripts = policy["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page.text, re.S)
    assert inline and all(_sha256(body) in scripts for body in inline)
    # The page's files are the service's own; no other host is allowed.
    for url in re.findall(r"<script[^>]*\bsrc=['\"]([^'\"]+)", page.text):
        assert url.startswith("/schema/assets/")
    assert all(source == "'self'" or source.startswith("'sha256-") for source in scripts)
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["connect-src"] == "'self'" and policy["default-src"] == "'none'"
    spec = await client.get("/schema/openapi.json")
    assert spec.status_code == 200
    assert spec.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_the_real_server_refuses_the_d6_request(engine: Any, database_name: str) -> None:
    env = cheap_service_env(APP_CORS_ORIGINS=PANEL)
    with running_service(engine.url, database_name, **env) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            login = await http.post(
                "/api/auth/login", json={"email": "root@example.org", "password": PASSWORD}
            )
            assert login.status_code == 200 and http.cookies.get("auth-session")
            forged = await http.post(
                "/api/users",
                content=b'{"name":"csrf","email":"csrf@example.org","role":"admin",'
                b'"password":"Csrf-Passw0rd=1"}\r\n',
                headers={
                    "Content-Type": "text/plain",
                    "Origin": "https://evil.example",
                    "Sec-Fetch-Site": "cross-site",
                },
            )
            assert forged.status_code == 403 and forged.json()["code"] == "ORIGIN_NOT_ALLOWED"
            assert_security_headers(forged)
            typed = await http.post("/api/users", content=b"{}", headers={"Content-Type": "a/b"})
            assert typed.status_code == 415
            assert (await http.get("/api/users/by-email?email=csrf@example.org")).status_code == 404
            preflight = await http.options(
                "/api/users", headers={"Origin": PANEL, "Access-Control-Request-Method": "PATCH"}
            )
            assert preflight.status_code == 204
            assert preflight.headers["access-control-allow-origin"] == PANEL
            created = await http.post(
                "/api/users",
                json={"name": "Legit", "email": "legit@example.org", "role": "staff"},
                headers={"Origin": PANEL, "Sec-Fetch-Site": "same-site"},
            )
            assert created.status_code == 201
            assert created.headers["access-control-allow-origin"] == PANEL
            assert_security_headers(created)
            out = await http.post("/api/auth/logout")
            assert out.status_code == 200 and "max-age=0" in out.headers["set-cookie"].lower()
            again = await http.post(
                "/api/auth/logout", headers={"Cookie": "auth-session=" + "u" * 43}
            )
            assert again.status_code == 200 and "max-age=0" in again.headers["set-cookie"].lower()
    cleanup = Store(make_settings(engine.url, database_name))
    await cleanup.client.drop_database(database_name)
    await cleanup.close()
