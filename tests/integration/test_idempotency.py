"""POST /api/users with an Idempotency-Key: a retry returns the user the first
attempt created, never a second user and never 409 (PROBE D5)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import DEFAULT_CONVEX_TABLE_NUMBERS
from tests.integration.helpers import Store
from tests.support import convex_spec

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
BODY = {
    "name": "Ayşe Yılmaz",
    "email": "ayse@example.org",
    "role": "staff",
    "password": "pw-12345678",
}


async def admin_headers(client: Client, store: Store, email: str = "admin@example.org") -> dict:
    await store.add_user(email, role="admin", permissions=["users:manage"])
    login = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    return {"Authorization": f"Bearer {login.json()['session']['token']}"}


async def create(
    client: Client, headers: dict, key: str | bytes | None, **fields: Any
) -> httpx.Response:
    extra = {"Idempotency-Key": key} if key is not None else {}
    return await client.post("/api/users", json={**BODY, **fields}, headers={**headers, **extra})


async def creations(store: Store) -> int:
    return await store.db.audit_logs.count_documents({"action": "CREATE"})


async def test_a_retry_returns_the_created_user(client: Client, store: Store) -> None:
    admin = await admin_headers(client, store)
    first = await create(client, admin, "key-1")
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    # The ID chosen before the user exists is one of the users table (as every new one).
    assert convex_spec.table_number(first.json()["_id"]) == DEFAULT_CONVEX_TABLE_NUMBERS["users"]
    # The same request again, as a client does after a 503 or a lost answer;
    # the same fields spelled differently are the same request.
    again = await create(client, admin, "key-1", email=" AYSE@example.org ", name="Ayşe Yılmaz ")
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await store.db.users.count_documents({"email": "ayse@example.org"}) == 1
    assert await creations(store) == 1
    # Without a key, the same body is a new request: 409 as before.
    assert (await create(client, admin, None)).status_code == 409


@pytest.mark.parametrize(
    "change",
    [{"role": "admin"}, {"password": "another-password"}, {"password": None}, {"phone": "+90 1"}],
)
async def test_the_same_key_for_another_request_is_422(
    client: Client, store: Store, change: dict[str, Any]
) -> None:
    admin = await admin_headers(client, store)
    assert (await create(client, admin, "key-2")).status_code == 201
    body = {k: v for k, v in {**BODY, **change}.items() if v is not None}
    response = await client.post(
        "/api/users", json=body, headers={**admin, "Idempotency-Key": "key-2"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert response.json()["details"][0]["field"] == "Idempotency-Key"
    stored = await store.db.users.find_one({"email": "ayse@example.org"})
    assert stored is not None and stored["role"] == "staff"
    assert await creations(store) == 1


async def test_keys_belong_to_their_caller(client: Client, store: Store) -> None:
    first_admin = await admin_headers(client, store)
    assert (await create(client, first_admin, "shared")).status_code == 201
    other_admin = await admin_headers(client, store, "other@example.org")
    # Another caller's key is not a replay of the first one's answer.
    response = await create(client, other_admin, "shared")
    assert response.status_code == 409 and response.json()["code"] == "EMAIL_TAKEN"


async def test_concurrent_requests_with_one_key_create_one_user(
    client: Client, store: Store
) -> None:
    admin = await admin_headers(client, store)
    responses = await asyncio.gather(*(create(client, admin, "race") for _ in range(8)))
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.json()["_id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") != "true" for r in responses) == 1
    assert await store.db.users.count_documents({"email": "ayse@example.org"}) == 1
    assert await creations(store) == 1


async def test_concurrent_different_requests_with_one_key(client: Client, store: Store) -> None:
    admin = await admin_headers(client, store)
    responses = await asyncio.gather(
        *(create(client, admin, "race", email=f"u{n}@example.org") for n in range(6))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [422] * 5, [r.text for r in responses]
    assert await creations(store) == 1


async def test_a_claimed_key_whose_create_never_happened_creates(
    client: Client, store: Store
) -> None:
    """The first attempt stored its key and then failed (a 503 before the insert)."""
    admin = await admin_headers(client, store)
    first = await create(client, admin, "half-done")
    await store.db.users.delete_one({"_id": first.json()["_id"]})
    retry = await create(client, admin, "half-done")
    assert retry.status_code == 201 and retry.json()["_id"] == first.json()["_id"]
    assert "idempotent-replayed" not in retry.headers


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "ünicode".encode()])
async def test_malformed_keys_are_400(client: Client, store: Store, key: str | bytes) -> None:
    admin = await admin_headers(client, store)
    response = await create(client, admin, key)
    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
    assert await store.db.users.count_documents({"email": "ayse@example.org"}) == 0
