"""The foundation against real wire servers: probes, errors, repository, indexes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pymongo import AsyncMongoClient

from app.asgi import create_app
from app.config import Settings
from app.db import DOCUMENT_MODELS, Database
from app.documents import CursorCodec, DuplicateKey, Order, PatchRules
from app.errors import InvalidCursor, NotFound, ValidationError
from app.users.repository import UsersRepository
from tests.conftest import SERVICE_TOKEN, make_settings
from tests.engines import make_engine
from tests.support import convex_spec

Client = AsyncTestClient[Litestar]


def user_fields(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"User {n}",
        "email": f"user{n}@example.org",
        "role": "staff",
        "permissions": [],
        "isActive": True,
        **extra,
    }


@pytest.fixture
async def users(settings: Settings) -> AsyncIterator[UsersRepository]:
    # Bound in this test's event loop (the test client runs the app in a loop of its own).
    database = Database(settings)
    await database.initialize()
    yield UsersRepository(database, CursorCodec(b"repository-test"))
    await database.close()


async def test_health_answers(client: Client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_pings_the_database(client: Client) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_openapi_schema_is_served(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "/health" in response.json()["paths"]


async def test_unknown_route_gets_the_error_body(client: Client) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"success": False, "code": "NOT_FOUND", "error": "Not found"}


async def test_wrong_method_gets_the_error_body(client: Client) -> None:
    response = await client.delete("/health")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
    assert response.json()["success"] is False


async def test_errors_speak_turkish_when_asked(client: Client) -> None:
    response = await client.get("/nope", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})
    assert response.json()["error"] == "Bulunamadı"


async def test_insert_and_get(users: UsersRepository) -> None:
    created = await users.insert(user_fields(1, phone=None))
    assert convex_spec.table_number(created["_id"]) == 10001  # the default users table
    assert isinstance(created["_creationTime"], float)
    fetched = await users.get(created["_id"])
    assert fetched is not None
    assert fetched["email"] == "user1@example.org"
    assert "phone" not in fetched  # Convex omits undefined
    assert await users.get("0" * 24) is None
    with pytest.raises(NotFound) as error:
        await users.require("0" * 24)
    assert error.value.code == "USER_NOT_FOUND"


async def test_insert_keeps_an_imported_convex_id(users: UsersRepository) -> None:
    convex_id = "jd71dy1pftegp7scv1wxkzys5n7j2d97"
    created = await users.insert(user_fields(2), doc_id=convex_id)
    fetched = await users.get(convex_id)
    assert fetched is not None and fetched["_id"] == created["_id"] == convex_id


async def test_insert_validates_against_the_model(users: UsersRepository) -> None:
    with pytest.raises(Exception, match="isActive"):
        await users.insert(user_fields(3, isActive="yes please"))


async def test_hidden_fields_are_projected_away(users: UsersRepository) -> None:
    created = await users.insert(user_fields(4, passwordHash="$argon2id$x", searchTokens=["us"]))
    plain = await users.get(created["_id"])
    assert plain is not None and "passwordHash" not in plain and "searchTokens" not in plain
    full = await users.get(created["_id"], include_hidden=True)
    assert full is not None and full["passwordHash"] == "$argon2id$x"


async def test_get_many_keeps_order_and_marks_missing(users: UsersRepository) -> None:
    first = await users.insert(user_fields(5))
    second = await users.insert(user_fields(6))
    missing = "f" * 24
    result = await users.get_many([second["_id"], missing, first["_id"], second["_id"]])
    assert [doc and doc["_id"] for doc in result] == [
        second["_id"],
        None,
        first["_id"],
        second["_id"],
    ]


async def test_unique_email_index_rejects_a_duplicate(users: UsersRepository) -> None:
    await users.insert(user_fields(7))
    with pytest.raises(DuplicateKey):
        await users.insert(user_fields(8, email="user7@example.org"))


async def test_concurrent_inserts_of_one_email_have_one_winner(users: UsersRepository) -> None:
    results = await asyncio.gather(
        *(users.insert(user_fields(100 + n, email="same@example.org")) for n in range(20)),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, dict)]
    assert len(winners) == 1
    assert all(isinstance(r, DuplicateKey) for r in results if not isinstance(r, dict))


async def test_patch_sets_removes_and_keeps(users: UsersRepository) -> None:
    created = await users.insert(user_fields(9, phone="+90 555 000 00 00"))
    before, after = await users.patch(created["_id"], {"name": "Renamed", "phone": None})
    assert before["name"] == "User 9" and before["phone"] == "+90 555 000 00 00"
    assert after["name"] == "Renamed" and "phone" not in after
    stored = await users.get(created["_id"])
    assert stored is not None and stored["name"] == "Renamed" and "phone" not in stored


async def test_empty_patch_is_a_no_op(users: UsersRepository) -> None:
    created = await users.insert(user_fields(10))
    before, after = await users.patch(created["_id"], {}, extra_set={"updatedAt": "x"})
    assert before == after
    stored = await users.get(created["_id"])
    assert stored is not None and "updatedAt" not in stored


async def test_patch_rules_are_enforced(users: UsersRepository) -> None:
    created = await users.insert(user_fields(11))
    doc_id = created["_id"]
    for bad in (
        {"name": None},  # required
        {"nickname": "x"},  # unknown
        {"passwordHash": "x"},  # protected
        {"_id": "a" * 24},  # system field changed
        {"_creationTime": 1.0},
    ):
        with pytest.raises(ValidationError):
            await users.patch(doc_id, bad)
    # System fields equal to the stored values are accepted.
    _, after = await users.patch(
        doc_id, {"_id": doc_id, "_creationTime": created["_creationTime"], "role": "admin"}
    )
    assert after["role"] == "admin"
    with pytest.raises(NotFound):
        await users.patch("e" * 24, {"name": "x"})


async def test_patch_to_a_taken_email_is_rejected(users: UsersRepository) -> None:
    await users.insert(user_fields(12))
    other = await users.insert(user_fields(13))
    with pytest.raises(DuplicateKey):
        await users.patch(other["_id"], {"email": "user12@example.org"})
    stored = await users.get(other["_id"])
    assert stored is not None and stored["email"] == "user13@example.org"


async def walk(users: UsersRepository, order: Order, limit: int) -> list[str]:
    """Every page of an unfiltered list, following the cursors."""
    seen: list[str] = []
    cursor = None
    while True:
        page = await users.paginate({}, order=order, limit=limit, cursor=cursor)
        seen.extend(doc["_id"] for doc in page.documents)
        cursor = page.continue_cursor
        if page.is_done:
            return seen


async def test_paginate_walks_every_document_once_in_both_orders(users: UsersRepository) -> None:
    ids = [(await users.insert(user_fields(200 + n)))["_id"] for n in range(23)]
    assert await walk(users, "asc", 5) == ids
    assert await walk(users, "desc", 5) == ids[::-1]


async def test_paginate_with_a_filter(users: UsersRepository) -> None:
    for n in range(6):
        await users.insert(user_fields(300 + n, role="admin" if n % 2 else "staff"))
    page = await users.paginate({"role": "admin"}, limit=2)
    assert [doc["role"] for doc in page.documents] == ["admin", "admin"]
    assert not page.is_done
    rest = await users.paginate({"role": "admin"}, limit=2, cursor=page.continue_cursor)
    assert len(rest.documents) == 1 and rest.is_done


async def test_cursors_are_tamper_evident_and_bound_to_their_query(
    users: UsersRepository,
) -> None:
    for n in range(3):
        await users.insert(user_fields(400 + n))
    page = await users.paginate({}, limit=1)
    with pytest.raises(InvalidCursor):
        await users.paginate({"role": "staff"}, limit=1, cursor=page.continue_cursor)
    with pytest.raises(InvalidCursor):
        await users.paginate({}, order="desc", limit=1, cursor=page.continue_cursor)
    payload, mac = page.continue_cursor.split(".")
    forged = ("A" if payload[0] != "A" else "B") + payload[1:] + "." + mac
    with pytest.raises(InvalidCursor):
        await users.paginate({}, limit=1, cursor=forged)
    with pytest.raises(InvalidCursor):
        await users.paginate({}, limit=1, cursor="not a cursor")


EXPECTED_INDEXES = {
    model.Settings.name: {
        index.document["name"]: index.document["key"] for index in model.Settings.indexes
    }
    for model in DOCUMENT_MODELS
}


async def _indexes(url: str, database: str, collection: str) -> dict[str, list[Any]]:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    try:
        cursor = await mongo[database][collection].list_indexes()
        return {index["name"]: list(index["key"].items()) async for index in cursor}
    finally:
        await mongo.close()


async def test_indexes_exist_with_their_names(
    client: Client, engine: Any, database_name: str
) -> None:
    for collection, expected in EXPECTED_INDEXES.items():
        found = await _indexes(engine.url, database_name, collection)
        if engine.name == "nx27017":
            # nx-27017 replaces index names with its own (idx_<collection>_<keys>),
            # so only the key patterns can be checked there.
            patterns = sorted(map(str, found.values()))
            for key in expected.values():
                assert str(list(key.items())) in patterns, (collection, key)
        else:
            for name, key in expected.items():
                assert found.get(name) == list(key.items()), (collection, name)


async def test_ready_reports_an_outage_and_recovers(engine_name: str, database_name: str) -> None:
    server = make_engine(engine_name)
    server.start()
    try:
        app = create_app(make_settings(server.url, database_name, request_timeout_ms=1000))
        async with AsyncTestClient(app) as client:
            assert (await client.get("/ready")).status_code == 200
            server.stop()
            down = await client.get("/ready")
            assert down.status_code == 503
            assert down.json()["code"] == "DATABASE_UNAVAILABLE"
            assert (await client.get("/health")).status_code == 200
            # Every route that needs the database answers the same way.
            service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
            user = await client.get(f"/api/users/{'a' * 24}", headers=service)
            assert user.status_code == 503 and user.json()["code"] == "DATABASE_UNAVAILABLE"
            login = await client.post(
                "/api/auth/login", json={"email": "a@example.org", "password": "whatever!"}
            )
            assert login.status_code == 503
            server.start()
            for _ in range(50):
                if (await client.get("/ready")).status_code == 200:
                    break
                await asyncio.sleep(0.2)
            assert (await client.get("/ready")).status_code == 200
    finally:
        server.close()


def test_patch_rules_cover_the_user_fields() -> None:
    rules: PatchRules = UsersRepository.rules
    model_fields = {
        field.alias or name for name, field in UsersRepository.model.model_fields.items()
    }
    assert rules.required | rules.optional | rules.protected | {"_id", "_creationTime"} == (
        model_fields - {"revision_id"}
    )


async def test_concurrent_gets_by_id_are_each_answered(users: UsersRepository) -> None:
    created = [await users.insert(user_fields(500 + n)) for n in range(30)]
    wanted = [doc["_id"] for doc in created] + ["b" * 24] + [created[0]["_id"]]
    results = await asyncio.gather(*(users.get(doc_id) for doc_id in wanted))
    assert [doc and doc["_id"] for doc in results] == [*wanted[:30], None, wanted[0]]
    assert all("passwordHash" not in doc for doc in results if doc)


async def test_paginate_walks_ties_on_creation_time(users: UsersRepository) -> None:
    """Documents sharing one _creationTime (e.g. an import) are each seen once."""
    ids = []
    for n in range(9):
        doc = await users.insert(user_fields(600 + n, _creationTime=1000.0 + n // 4))
        ids.append(doc["_id"])
    expected = sorted(ids, key=lambda i: (1000.0 + ids.index(i) // 4, i))
    assert await walk(users, "asc", 2) == expected
    assert await walk(users, "desc", 2) == expected[::-1]
