"""No string a caller sends may hold a control character (U+0000-U+001F,
U+007F-U+009F): every JSON body, query parameter and path parameter of every
route is checked in one place (app/http/control_chars.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from tests.integration.helpers import Store, cheap_service_env, running_service, sign_in_as_root

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
REASON = "must not contain control characters"
ANY_ID = "a" * 24
SESSION_ID = "s" * 22


def refused(response: httpx.Response, field: str) -> bool:
    body = response.json()
    return (
        response.status_code == 400
        and body["code"] == "VALIDATION_ERROR"
        and body["details"] == [{"field": field, "reason": "control_characters", "message": REASON}]
    )


def operations(app: Litestar) -> list[tuple[str, str]]:
    """(method, path) of every route, path parameters filled with valid values."""
    found = []
    for route in app.routes:
        path = route.path.replace("{user_id:str}", ANY_ID)
        path = path.replace("{session_id:str}", SESSION_ID).replace("{path:str}", "swagger.json")
        path = path.replace("{endpoint:str}", "query")
        for method in sorted(getattr(route, "methods", ())):
            if method not in ("OPTIONS", "HEAD"):
                found.append((method, path))
    return found


async def test_every_route_refuses_them_in_query_and_body(
    client: Client, app: Litestar, admin: dict[str, Any], store: Store
) -> None:
    walked = operations(app)
    assert len(walked) >= 25  # the walk reaches every route (24 routes, 30 operations)
    for method, path in walked:
        # Writes carry an empty JSON body: without one, they are 415 before this check.
        body_kind = {"json": {}} if method in ("POST", "PUT", "PATCH", "DELETE") else {}
        query = await client.request(method, path, params={"probe": "a\u0000b"}, **body_kind)
        assert refused(query, "probe"), (method, path, query.text)
        # The Convex API checks the args of its own functions itself and forwards
        # the rest unchanged (test_convex_api_edges.py).
        if method in ("POST", "PUT", "PATCH", "DELETE") and not path.startswith("/convex/"):
            body = await client.request(method, path, json={"probe": "\u0007"})
            assert refused(body, "probe"), (method, path, body.text)
    # Nothing was done: the admin's session is alive, no user was created.
    assert (await client.get("/api/auth/me")).status_code == 200
    assert await store.db.users.count_documents({}) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "n\u0000"}, "name"),
        ({"role": "admin\u0000"}, "role"),
        ({"email": "qq@example.org\u0000"}, "email"),
        ({"labels": ["ok", "b\u0000"]}, "labels[1]"),
        ({"name": "line\nbreak"}, "name"),
        ({"name": "C1 \u0085 next line"}, "name"),
        ({"password": "pass\u0000word!"}, "password"),
    ],
)
async def test_create_refuses_them_in_any_field(
    client: Client, admin: dict[str, Any], store: Store, fields: dict[str, Any], field: str
) -> None:
    body = {"name": "Ayşe", "email": "ayse@example.org", "role": "staff", **fields}
    response = await client.post("/api/users", json=body)
    assert refused(response, field), response.text
    assert await store.db.users.count_documents({}) == 1


async def test_path_parameters_and_login_are_checked(client: Client, admin: dict[str, Any]) -> None:
    assert refused(await client.get("/api/users/%00"), "id")
    assert refused(await client.get(f"/api/users/{ANY_ID}%01/sessions"), "id")
    client.cookies.clear()
    for body in (
        {"email": "admin@example.org\u0000", "password": PASSWORD},
        {"email": "admin@example.org", "password": PASSWORD + "\u0000"},
    ):
        response = await client.post("/api/auth/login", json=body)
        assert response.status_code == 400, response.text


async def test_escaped_text_and_unicode_letters_pass(client: Client, admin: dict[str, Any]) -> None:
    # A backslash followed by "u0000" is six printable characters, not a NUL.
    created = await client.post(
        "/api/users",
        json={"name": "Işık \\u0000 Ğ", "email": "isik@example.org", "role": "staff"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Işık \\u0000 Ğ"


async def test_the_running_server_refuses_them(engine: Any, database_name: str) -> None:
    """PROBE D7 against `python -m app`: the NUL email is refused, so the lookup of
    `qq@example.org` cannot answer with another user."""
    env = cheap_service_env()
    try:
        with running_service(engine.url, database_name, **env) as base_url:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
                await sign_in_as_root(http)
                raw = b'{"name":"n","email":"qq@example.org\\u0000","role":"staff"}'
                created = await http.post(
                    "/api/users", content=raw, headers={"content-type": "application/json"}
                )
                assert refused(created, "email")
                found = await http.get("/api/users/by-email?email=qq%40example.org")
                assert found.status_code == 404
                assert refused(await http.get("/api/users?role=admin%00"), "role")
                assert refused(await http.get("/api/users?search=a%1Fb"), "search")
    finally:
        store = Store(Settings(mongodb_url=engine.url, database=database_name))
        await store.client.drop_database(database_name)
        await store.close()
