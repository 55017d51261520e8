"""Who may change rights (PROBE D12, NEWCOMER F12): `users:write` is not admin
power, and the last holder of `users:manage` keeps it, also under races."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from bson import ObjectId
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.security.tokens import hash_token
from app.users import privileges
from app.users.repository import UsersRepository
from tests.conftest import make_settings
from tests.integration.helpers import Store

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
WRITER = "writer-token-" + "w" * 40
OWNER = "owner-token-" + "o" * 40


async def add_token(store: Store, name: str, token: str, scopes: list[str]) -> None:
    await store.db.service_tokens.insert_one(
        {
            "_id": str(ObjectId()),
            "_creationTime": time.time() * 1000,
            "name": name,
            "token_hash": hash_token(token),
            "scopes": scopes,
            "created_at": datetime.now(UTC),
            "is_active": True,
        }
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(client: Client, email: str) -> None:
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


def last_admin(response: httpx.Response, field: str) -> bool:
    body = response.json()
    return (
        response.status_code == 409
        and body["code"] == "LAST_ADMIN"
        and body["details"][0]["field"] == field
    )


async def test_users_write_cannot_change_rights(client: Client, store: Store) -> None:
    await add_token(store, "billing", WRITER, ["users:read", "users:write"])
    await add_token(store, "owner", OWNER, ["users:write", "users:admin"])
    user = await store.add_user("plain@example.org", role="staff")
    path = f"/api/users/{user['_id']}"
    for change, field in (
        ({"role": "admin"}, "role"),
        ({"permissions": ["users:manage"]}, "permissions"),
        ({"name": "New", "role": "admin", "permissions": ["users:manage"]}, "role"),
    ):
        denied = await client.patch(path, json=change, headers=bearer(WRITER))
        assert denied.status_code == 403, denied.text
        assert denied.json()["details"][0]["field"] == field
    stored = await store.user(user["_id"])
    assert stored is not None
    assert (stored["role"], stored["permissions"], stored["name"]) == ("staff", [], "plain")
    events = await store.events("permission_denied")
    assert [e["details"]["needed"] for e in events] == ["users:admin"]
    assert events[0]["details"]["count"] == 3 and events[0]["details"]["actor"] == "service:billing"
    # Profile fields stay open to users:write; rights need users:admin.
    renamed = await client.patch(path, json={"name": "Renamed"}, headers=bearer(WRITER))
    assert renamed.status_code == 200
    promoted = await client.patch(path, json={"role": "admin"}, headers=bearer(OWNER))
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"


async def test_the_last_manager_keeps_the_right(client: Client, store: Store) -> None:
    admin = await store.add_user("admin@example.org", role="admin")  # via the role table
    await add_token(store, "owner", OWNER, ["users:write", "users:admin"])
    await sign_in(client, "admin@example.org")
    own = f"/api/users/{admin['_id']}"
    assert last_admin(await client.patch(own, json={"role": "staff"}), "role")
    # Own permissions do not matter while the role grants users:manage ...
    assert (await client.patch(own, json={"permissions": []})).status_code == 200
    # ... and they do when it would not.
    demote_both = {"role": "staff", "permissions": []}
    assert last_admin(await client.patch(own, json=demote_both), "role")
    assert last_admin(
        await client.patch(own, json={"isActive": False}, headers=bearer(OWNER)), "isActive"
    )
    # A second manager (by own permission) makes the first one's demotion possible.
    second = await store.add_user("second@example.org", role="staff", permissions=["users:manage"])
    assert (await client.patch(own, json=demote_both)).status_code == 200
    client.cookies.clear()
    await sign_in(client, "second@example.org")
    assert last_admin(
        await client.patch(f"/api/users/{second['_id']}", json={"permissions": []}), "permissions"
    )
    stored = await store.user(second["_id"])
    assert stored is not None and stored["permissions"] == ["users:manage"]


async def test_an_inactive_holder_does_not_count(client: Client, store: Store) -> None:
    admin = await store.add_user("admin@example.org", role="admin")
    await store.add_user("gone@example.org", role="admin", isActive=False)
    await sign_in(client, "admin@example.org")
    assert last_admin(
        await client.patch(f"/api/users/{admin['_id']}", json={"role": "staff"}), "role"
    )


@asynccontextmanager
async def instance(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """One instance of the service, served in this event loop so that requests
    to it really run concurrently (the test client handles one at a time)."""
    app = create_app(settings)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


async def test_two_admins_demoting_each_other_at_once(
    engine: Any, database_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two instances of the service, one admin signed in on each, each demoting the
    other at the same moment: exactly one wins, one admin is left.

    The count of the other holders is slowed down, so both requests are inside
    their check at the same time: without the lock both would see the other
    admin and both would win."""
    count_holders = UsersRepository.active_holders

    async def slow_count(self: UsersRepository, *args: Any, **kwargs: Any) -> set[str]:
        found = await count_holders(self, *args, **kwargs)
        await asyncio.sleep(0.3)
        return found

    monkeypatch.setattr(UsersRepository, "active_holders", slow_count)
    settings = make_settings(engine.url, database_name)
    store = Store(settings)
    try:
        ada = await store.add_user("ada@example.org", role="admin")
        bo = await store.add_user("bo@example.org", role="admin")
        async with instance(settings) as one, instance(settings) as two:
            for client, email in ((one, "ada@example.org"), (two, "bo@example.org")):
                login = await client.post(
                    "/api/auth/login", json={"email": email, "password": PASSWORD}
                )
                token = login.json()["session"]["token"]
                client.headers["Authorization"] = f"Bearer {token}"
            demote = {"role": "staff"}
            first, second = await asyncio.gather(
                one.patch(f"/api/users/{bo['_id']}", json=demote),
                two.patch(f"/api/users/{ada['_id']}", json=demote),
            )
        codes = sorted([first.status_code, second.status_code])
        assert codes == [200, 409], (first.text, second.text)
        roles = sorted([(await store.user(u["_id"]) or {})["role"] for u in (ada, bo)])
        assert roles == ["admin", "staff"]
    finally:
        await store.client.drop_database(database_name)
        await store.close()


async def test_a_lock_left_by_a_dead_process_expires(
    client: Client, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(privileges, "WAIT_SECONDS", 0.2)
    await store.add_user("admin@example.org", role="admin")
    user = await store.add_user("plain@example.org", role="staff")
    await sign_in(client, "admin@example.org")
    now = time.time() * 1000
    held = {"_id": privileges.MANAGERS_LOCK, "until": now + 60_000, "owner": "crashed"}
    await store.db.locks.insert_one(held)
    busy = await client.patch(f"/api/users/{user['_id']}", json={"role": "editor"})
    assert busy.status_code == 409 and busy.json()["code"] == "CONCURRENT_CHANGE"
    assert busy.headers["retry-after"] == "1"
    # Profile changes do not wait for the lock.
    assert (await client.patch(f"/api/users/{user['_id']}", json={"name": "N"})).status_code == 200
    await store.db.locks.update_one({"_id": privileges.MANAGERS_LOCK}, {"$set": {"until": now - 1}})
    done = await client.patch(f"/api/users/{user['_id']}", json={"role": "editor"})
    assert done.status_code == 200 and done.json()["role"] == "editor"
    lock = await store.db.locks.find_one({"_id": privileges.MANAGERS_LOCK})
    assert lock is not None and lock["until"] == 0  # released
