"""New documents get Convex IDs of their tables, IDs given to routes are checked
for their table, and numbers an import remembers are what new IDs carry."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from bson import ObjectId
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.config import DEFAULT_CONVEX_TABLE_NUMBERS, Settings
from app.documents import ConvexTables, TableNumberConflict, TableNumbers
from tests.conftest import SERVICE_TOKEN, make_settings
from tests.integration.helpers import (
    DEFAULT_PASSWORD,
    ROOT_EMAIL,
    Store,
    cheap_service_env,
    running_service,
    sign_in_as_root,
)
from tests.integration.test_cli import run
from tests.support import convex_spec as spec

Client = AsyncTestClient[Litestar]
JS_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")  # toISOString()
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
DEFAULTS = DEFAULT_CONVEX_TABLE_NUMBERS
# An imported deployment's numbers: unlike the defaults, and users among them above 16383.
IMPORTED = {"users": 20001, "user_sessions": 10011, "security_events": 10017, "audit_logs": 10005}
COLLECTIONS = {
    "users": "users",
    "user_sessions": "sessions",
    "security_events": "security_events",
    "audit_logs": "audit_logs",
}


async def table_numbers_of(store: Store) -> dict[str, set[int | None]]:
    """The table numbers of every ``_id`` of the four tables (None: not a Convex ID)."""
    found: dict[str, set[int | None]] = {}
    for table, collection in COLLECTIONS.items():
        documents = await store.db[collection].find({}, {"_id": 1}).to_list()
        found[table] = {spec.table_number(document["_id"]) for document in documents}
    return found


async def create_user(http: Client | httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await http.post("/api/users", json={"name": "Işık", "email": email, "role": "staff"})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_every_new_document_has_an_id_of_its_table(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    created = await create_user(client, "new@example.org")
    assert spec.table_number(created["_id"]) == DEFAULTS["users"]
    failed = await client.post(
        "/api/auth/login", json={"email": "admin@example.org", "password": "wrong password"}
    )
    assert failed.status_code == 401  # a login_failure event
    await store.add_user("staff@example.org")
    staff = await client.post(
        "/api/auth/login", json={"email": "staff@example.org", "password": DEFAULT_PASSWORD}
    )
    assert staff.status_code == 200
    for _ in range(2):  # a permission_denied event: its ID derives from a key
        assert (await client.get("/api/users")).status_code == 403
    denied = await store.events("permission_denied")
    assert len(denied) == 1 and denied[0]["details"]["count"] == 2
    found = await table_numbers_of(store)
    assert found["users"] == {DEFAULTS["users"]}  # the fixtures' and the API's
    for table in ("user_sessions", "security_events", "audit_logs"):
        assert found[table] == {DEFAULTS[table]}, table


async def test_user_times_are_written_as_javascript_prints_them(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    created = await create_user(client, "times@example.org")
    patched = await client.patch(f"/api/users/{created['_id']}", json={"name": "Işıl"})
    assert patched.status_code == 200
    assert (await client.post(f"/api/users/{created['_id']}/last-login")).status_code == 200
    user = await store.user(created["_id"])
    me = await store.user(admin["_id"])  # lastLogin written by the login
    assert user is not None and me is not None
    for value in (user["createdAt"], user["updatedAt"], user["lastLogin"], me["lastLogin"]):
        assert JS_ISO.fullmatch(value), value


async def test_an_id_of_another_table_is_invalid(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    session = await store.db.sessions.find_one({"user_id": admin["_id"]})
    assert session is not None and spec.table_number(session["_id"]) == DEFAULTS["user_sessions"]
    unknown_user = TableNumbers().mint("users")
    for route in ("/api/users/{}", "/api/users/{}/sessions", "/api/users/{}/lockout"):
        wrong = await client.get(route.format(session["_id"]))
        assert wrong.status_code == 400 and wrong.json()["code"] == "INVALID_ID", route
        missing = await client.get(route.format(unknown_user))
        assert missing.status_code == 404 and missing.json()["code"] == "USER_NOT_FOUND", route
    patch = await client.patch(f"/api/users/{session['_id']}", json={"name": "x"})
    assert patch.status_code == 400 and patch.json()["code"] == "INVALID_ID"
    batch = await client.post(
        "/api/users/batch-get", json={"ids": [admin["_id"], session["_id"]]}, headers=SERVICE
    )
    assert batch.status_code == 400 and batch.json()["code"] == "INVALID_ID"
    corrupted = admin["_id"][:-1] + ("0" if admin["_id"][-1] != "0" else "1")
    assert (await client.get(f"/api/users/{corrupted}")).json()["code"] == "INVALID_ID"


async def test_documents_with_objectid_ids_keep_working(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    legacy = await store.add_user("old@example.org", _id=str(ObjectId()))
    got = await client.get(f"/api/users/{legacy['_id']}")
    assert got.status_code == 200 and got.json()["email"] == "old@example.org"
    patched = await client.patch(f"/api/users/{legacy['_id']}", json={"name": "Eski"})
    assert patched.status_code == 200 and patched.json()["name"] == "Eski"
    batch = await client.post(
        "/api/users/batch-get", json={"ids": [legacy["_id"], admin["_id"]]}, headers=SERVICE
    )
    assert [doc["_id"] for doc in batch.json()["documents"]] == [legacy["_id"], admin["_id"]]
    login = await client.post(
        "/api/auth/login", json={"email": "old@example.org", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200
    me = await client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["_id"] == legacy["_id"]


async def test_remembered_numbers_win_over_the_settings(settings: Settings, store: Store) -> None:
    tables = ConvexTables(store.db, TableNumbers())
    assert await tables.numbers() == {}
    await tables.remember({"users": IMPORTED["users"]})
    with pytest.raises(TableNumberConflict, match="20001 is remembered for 'users'"):
        await tables.remember({"user_sessions": IMPORTED["users"]})
    await tables.remember(IMPORTED)
    await tables.remember(IMPORTED)  # the same import again changes nothing
    assert await tables.numbers() == IMPORTED
    assert tables.table_numbers.as_dict() == IMPORTED  # this process mints with them at once
    with pytest.raises(TableNumberConflict, match="'user_sessions' is remembered with number"):
        await tables.remember({**IMPORTED, "user_sessions": 10012})
    assert await tables.numbers() == IMPORTED
    await store.add_user("admin@example.org", role="admin", permissions=["users:manage"])
    # A new instance reads them when it starts; the settings say otherwise.
    other = make_settings(settings.mongodb_url or "", settings.database)
    assert other.convex_table_numbers == DEFAULTS
    async with AsyncTestClient(create_app(other)) as client:
        login = await client.post(
            "/api/auth/login", json={"email": "admin@example.org", "password": DEFAULT_PASSWORD}
        )
        assert login.status_code == 200
        created = await create_user(client, "after-import@example.org")
        assert spec.table_number(created["_id"]) == IMPORTED["users"]
        assert len(created["_id"]) == 34  # table numbers ≥ 16384 take three bytes
    found = await table_numbers_of(store)
    for table in ("user_sessions", "security_events", "audit_logs"):
        assert found[table] == {IMPORTED[table]}, table


async def test_numbers_set_in_the_settings_are_used_before_an_import(
    engine: Any, database_name: str, store: Store
) -> None:
    settings = make_settings(engine.url, database_name, convex_table_numbers={"users": 10042})
    async with AsyncTestClient(create_app(settings)) as client:
        await store.add_user("admin@example.org", role="admin", permissions=["users:manage"])
        login = await client.post(
            "/api/auth/login", json={"email": "admin@example.org", "password": DEFAULT_PASSWORD}
        )
        assert login.status_code == 200
        created = await create_user(client, "configured@example.org")
    assert spec.table_number(created["_id"]) == 10042
    assert (await table_numbers_of(store))["user_sessions"] == {DEFAULTS["user_sessions"]}


async def test_the_cli_uses_the_remembered_numbers(cli_env: Settings, store: Store) -> None:
    await ConvexTables(store.db, TableNumbers()).remember(IMPORTED)
    await run("users", "create-admin", "--email", "cli@example.org", stdin="a fine password\n" * 2)
    admin = await store.db.users.find_one({"email": "cli@example.org"})
    assert admin is not None and spec.table_number(admin["_id"]) == IMPORTED["users"]


async def test_a_started_service_mints_with_the_remembered_numbers(
    engine: Any, database_name: str
) -> None:
    """``python -m app`` reads the numbers before it serves or writes anything:
    the bootstrap admin it creates at start-up already carries them."""
    store = Store(Settings(mongodb_url=engine.url, database=database_name))
    try:
        await ConvexTables(store.db, TableNumbers()).remember(IMPORTED)
        with running_service(engine.url, database_name, **cheap_service_env()) as base_url:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
                await sign_in_as_root(http)
                created = await create_user(http, "live@example.org")
        root = await store.db.users.find_one({"email": ROOT_EMAIL})
        assert root is not None and spec.table_number(root["_id"]) == IMPORTED["users"]
        assert spec.table_number(created["_id"]) == IMPORTED["users"]
        found = await table_numbers_of(store)
        for table in COLLECTIONS:
            assert found[table] == {IMPORTED[table]}, table
    finally:
        await store.client.drop_database(database_name)
        await store.close()
