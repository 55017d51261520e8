"""Forged browser requests, JSON-only bodies, logout and the session cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from tests.conftest import make_settings
from tests.integration.helpers import Store

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
HERE = "http://testserver.local"  # the test client's origin
# Exactly the bytes a cross-site <form enctype="text/plain"> posts (PROBE D6).
D6_BODY = (
    b'{"name":"csrf","email":"csrf@example.org","role":"admin","password":"Csrf-Passw0rd=1"}\r\n'
)
NEW_USER = {"name": "New", "email": "new@example.org", "role": "staff"}


@pytest.fixture
async def admin(client: Client, store: Store) -> str:
    """A signed-in admin: the client carries the session cookie; returns the raw token."""
    await store.add_user("admin@example.org", role="admin", permissions=["users:manage"])
    response = await client.post(
        "/api/auth/login", json={"email": "admin@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200 and client.cookies.get("auth-session")
    return str(response.json()["session"]["token"])


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["code"] == code and body["error"]


async def test_the_d6_form_post_is_refused_and_creates_nothing(
    client: Client, admin: str, store: Store
) -> None:
    forged = await client.post(
        "/api/users",
        content=D6_BODY,
        headers={
            "Content-Type": "text/plain",
            "Origin": "https://evil.example",
            "Sec-Fetch-Site": "cross-site",
        },
    )
    assert_refused(forged, 403, "ORIGIN_NOT_ALLOWED")
    # A browser without Fetch Metadata (only Origin) and a JSON-typed variant.
    for headers in (
        {"Content-Type": "text/plain", "Origin": "https://evil.example"},
        {"Content-Type": "application/json", "Origin": "https://evil.example"},
    ):
        response = await client.post("/api/users", content=D6_BODY.strip(), headers=headers)
        assert_refused(response, 403, "ORIGIN_NOT_ALLOWED")
    assert await store.db.users.count_documents({"email": "csrf@example.org"}) == 0


async def test_a_same_site_sibling_origin_is_refused(
    client: Client, admin: str, store: Store
) -> None:
    # SameSite=Lax sends the cookie from a sibling subdomain: the origin decides.
    for headers in (
        {"Origin": "https://evil.testserver.local", "Sec-Fetch-Site": "same-site"},
        {"Origin": "http://evil.testserver.local"},
        {"Origin": "http://testserver.local:8080"},
        {"Origin": "null"},
    ):
        response = await client.post("/api/users", json=NEW_USER, headers=headers)
        assert_refused(response, 403, "ORIGIN_NOT_ALLOWED")
    for method in ("PATCH", "DELETE"):
        response = await client.request(
            method,
            f"/api/users/{'a' * 24}",
            json={"name": "x"},
            headers={"Origin": "https://evil.testserver.local", "Sec-Fetch-Site": "same-site"},
        )
        assert_refused(response, 403, "ORIGIN_NOT_ALLOWED")
    assert await store.db.users.count_documents({"email": "new@example.org"}) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": HERE, "Sec-Fetch-Site": "same-origin"},
        {"Origin": HERE},  # a browser without Fetch Metadata
        {},  # not a browser
    ],
)
async def test_a_same_origin_json_request_with_the_cookie_works(
    client: Client, admin: str, headers: dict[str, str]
) -> None:
    response = await client.post("/api/users", json=NEW_USER, headers=headers)
    assert response.status_code == 201, response.text


async def test_bearer_requests_need_no_origin(client: Client, admin: str) -> None:
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {admin}"}
    created = await client.post("/api/users", json=NEW_USER, headers=bearer)
    assert created.status_code == 201
    # An Authorization header cannot be forged cross-site: the origin is not checked.
    patched = await client.patch(
        f"/api/users/{created.json()['_id']}",
        json={"name": "Renamed"},
        headers={**bearer, "Origin": "https://tool.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert patched.status_code == 200 and patched.json()["name"] == "Renamed"


async def test_login_cannot_be_forged_into_a_cookie_session(client: Client, store: Store) -> None:
    await store.add_user("victim@example.org")
    body = {"email": "victim@example.org", "password": PASSWORD}
    forged = await client.post(
        "/api/auth/login",
        json=body,
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert_refused(forged, 403, "ORIGIN_NOT_ALLOWED")
    assert "set-cookie" not in forged.headers
    form = await client.post(
        "/api/auth/login",
        content=b"email=victim%40example.org&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_refused(form, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert await store.db.sessions.count_documents({}) == 0
    same_origin = await client.post(
        "/api/auth/login", json=body, headers={"Origin": HERE, "Sec-Fetch-Site": "same-origin"}
    )
    assert same_origin.status_code == 200


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "text/json",
        "application/json; charset=iso-8859-1",
        "application/jsonp",
        None,
    ],
)
async def test_json_routes_refuse_other_content_types(
    client: Client, store: Store, content_type: str | None
) -> None:
    await store.add_user("typed@example.org")
    headers = {"Content-Type": content_type} if content_type else {}
    # A body that is valid JSON: the refusal is about the declared type.
    response = await client.post(
        "/api/auth/login",
        content=b'{"email":"typed@example.org","password":"correct horse battery"}',
        headers=headers,
    )
    assert_refused(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "set-cookie" not in response.headers


async def test_json_content_types_that_work(client: Client, admin: str) -> None:
    # 415 is decided before decoding: a broken body under a wrong type is still 415.
    broken = await client.post("/api/users", content=b"{", headers={"Content-Type": "text/xml"})
    assert_refused(broken, 415, "UNSUPPORTED_MEDIA_TYPE")
    body = b'{"name":"C","email":"charset@example.org","role":"staff"}'
    created = await client.post(
        "/api/users", content=body, headers={"Content-Type": "Application/JSON; Charset=UTF-8"}
    )
    assert created.status_code == 201, created.text
    patched = await client.patch(
        f"/api/users/{created.json()['_id']}",
        content=b'{"name":"Merged"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200 and patched.json()["name"] == "Merged"
    # Routes without a body do not care about the content type.
    assert (await client.get("/api/auth/me", headers={"Content-Type": "text/plain"})).is_success


def assert_cleared(response: httpx.Response, name: str = "auth-session") -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{name.lower()}=") and "max-age=0" in cookie and "path=/" in cookie


async def test_logout_clears_the_cookie_of_any_session(client: Client, store: Store) -> None:
    assert_cleared(await client.post("/api/auth/logout"))  # no cookie at all
    client.cookies.set("auth-session", "unknown-" + "x" * 40)
    assert_cleared(await client.post("/api/auth/logout"))
    await store.add_user("twice@example.org")
    login = await client.post(
        "/api/auth/login", json={"email": "twice@example.org", "password": PASSWORD}
    )
    token = login.json()["session"]["token"]
    assert_cleared(await client.post("/api/auth/logout"))
    assert len(await store.events("logout")) == 1
    # The revoked session's cookie, sent again, is cleared again.
    client.cookies.set("auth-session", token)
    assert_cleared(await client.post("/api/auth/logout"))
    assert len(await store.events("logout")) == 1


@pytest.fixture
async def secure_client(engine: Any, database_name: str) -> AsyncIterator[tuple[Client, Store]]:
    app = create_app(make_settings(engine.url, database_name, cookie_secure=True))
    async with AsyncTestClient(app) as client:
        store = Store(make_settings(engine.url, database_name))
        yield client, store
        await store.db.client.drop_database(database_name)
        await store.close()


async def test_secure_cookies_use_the_host_prefix(secure_client: tuple[Client, Store]) -> None:
    client, store = secure_client
    await store.add_user("host@example.org")
    login = await client.post(
        "/api/auth/login", json={"email": "host@example.org", "password": PASSWORD}
    )
    token = login.json()["session"]["token"]
    cookie = login.headers["set-cookie"]
    assert cookie.startswith(f"__Host-auth-session={token};")
    assert "secure" in cookie.lower() and "path=/" in cookie.lower()
    assert "domain" not in cookie.lower()
    # The test client does not send Secure cookies over http: send it by hand.
    me = await client.get("/api/auth/me", headers={"Cookie": f"__Host-auth-session={token}"})
    assert me.status_code == 200
    old_name = await client.get("/api/auth/me", headers={"Cookie": f"auth-session={token}"})
    assert old_name.status_code == 401
    logout = await client.post(
        "/api/auth/logout", headers={"Cookie": f"__Host-auth-session={token}"}
    )
    assert_cleared(logout, "__Host-auth-session")
    assert "secure" in logout.headers["set-cookie"].lower()
