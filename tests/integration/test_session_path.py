"""The session check on every request: sessions are read by ``_id`` once a
token has been seen (coalesced with concurrent requests), and still every
revocation, expiry, deactivation and password change counts at once, on
every instance sharing the database."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.auth.repository import SessionsRepository
from app.documents.repository import Repository
from tests.conftest import make_settings
from tests.integration.helpers import DEFAULT_PASSWORD, Store

Client = AsyncTestClient[Litestar]


async def sign_in(client: Client, email: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # every request below names its token
    session: dict[str, Any] = response.json()["session"]
    return session


async def me(client: Client, token: str) -> int:
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


async def both(one: Client, two: Client, token: str) -> tuple[int, int]:
    return await me(one, token), await me(two, token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_every_instance_refuses_at_once(engine: Any, database_name: str) -> None:
    settings = make_settings(engine.url, database_name)
    store = Store(settings)
    try:
        async with (
            AsyncTestClient(create_app(settings)) as one,
            AsyncTestClient(create_app(settings)) as two,
        ):
            admin = await store.add_user("boss@example.org", role="admin")
            user = await store.add_user("ayse@example.org")
            boss = await sign_in(one, "boss@example.org")
            s = [await sign_in((one, two)[i % 2], "ayse@example.org") for i in range(7)]
            for session in s:  # both instances know every token now
                assert await both(one, two, session["token"]) == (200, 200)

            # Logout on one instance: the other refuses the very next request.
            assert (await one.post("/api/auth/logout", headers=bearer(s[0]["token"]))).is_success
            assert await both(two, one, s[0]["token"]) == (401, 401)

            # The user revokes another of their sessions.
            revoked = await two.delete(
                f"/api/auth/sessions/{s[1]['sessionId']}", headers=bearer(s[2]["token"])
            )
            assert revoked.status_code == 200
            assert await both(one, two, s[1]["token"]) == (401, 401)

            # Writes that bypass the service count too: revoked, expired, deleted.
            sessions = store.db.sessions
            await sessions.update_one(
                {"session_id": s[2]["sessionId"]}, {"$set": {"is_active": False}}
            )
            past = (time.time() - 1) * 1000
            await sessions.update_one(
                {"session_id": s[3]["sessionId"]}, {"$set": {"expires_at": past}}
            )
            await sessions.delete_one({"session_id": s[4]["sessionId"]})
            for session in s[2:5]:
                assert await both(one, two, session["token"]) == (401, 401)

            # A password change ends the other sessions everywhere.
            changed = await one.post(
                "/api/auth/password",
                json={"currentPassword": DEFAULT_PASSWORD, "newPassword": "new secret 123"},
                headers=bearer(s[5]["token"]),
            )
            assert changed.status_code == 200
            assert await both(two, one, s[6]["token"]) == (401, 401)
            assert await both(two, one, s[5]["token"]) == (200, 200)

            # Deactivated, by an admin on one instance or in the database.
            users = store.db.users
            await users.update_one({"_id": user["_id"]}, {"$set": {"isActive": False}})
            assert await both(one, two, s[5]["token"]) == (401, 401)
            await users.update_one({"_id": user["_id"]}, {"$set": {"isActive": True}})
            assert await both(one, two, s[5]["token"]) == (200, 200)
            deleted = await two.delete(f"/api/users/{user['_id']}", headers=bearer(boss["token"]))
            assert deleted.status_code == 200, deleted.text
            assert await both(one, two, s[5]["token"]) == (401, 401)
            assert await both(one, two, boss["token"]) == (200, 200)
            assert admin["_id"]
    finally:
        await store.client.drop_database(database_name)
        await store.close()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the session lookups by token hash and the coalesced reads by _id."""
    counts: Counter[str] = Counter()
    find_valid, fetch_many = SessionsRepository.find_valid, Repository._fetch_many

    async def counted_find_valid(self: SessionsRepository, *args: Any) -> Any:
        counts["by_token_hash"] += 1
        return await find_valid(self, *args)

    async def counted_fetch_many(self: Repository[Any], ids: list[str]) -> Any:
        counts[f"{self.collection_name}_by_id"] += 1
        return await fetch_many(self, ids)

    monkeypatch.setattr(SessionsRepository, "find_valid", counted_find_valid)
    monkeypatch.setattr(Repository, "_fetch_many", counted_fetch_many)
    return counts


async def test_concurrent_session_checks_share_their_reads(
    reads: Counter[str], client: Client, store: Store
) -> None:
    # ``reads`` first: the app binds the counted methods when it is made.
    await store.add_user("many@example.org")
    tokens = [(await sign_in(client, "many@example.org"))["token"] for _ in range(10)]
    assert [await me(client, token) for token in tokens] == [200] * 10
    reads.clear()
    statuses = await asyncio.gather(*(me(client, token) for token in tokens))
    assert statuses == [200] * 10
    # Ten requests, ten known sessions: no lookup by token hash (before: one
    # per request), only reads by _id, which concurrent requests share when
    # they reach them in the same loop turn (the test client spreads them).
    assert reads["by_token_hash"] == 0
    assert 1 <= reads["sessions_by_id"] <= 10 and 1 <= reads["users_by_id"] <= 10

    # Revoked while known: refused, also when checked together with live ones.
    await client.post("/api/auth/logout", headers=bearer(tokens[0]))
    await store.db.sessions.update_many({}, {"$set": {"is_active": False}})
    statuses = await asyncio.gather(*(me(client, token) for token in tokens))
    assert statuses == [401] * 10


async def test_unknown_and_forged_tokens_stay_unknown(client: Client, store: Store) -> None:
    await store.add_user("real@example.org")
    session = await sign_in(client, "real@example.org")
    forged = session["token"][:-2] + ("AA" if not session["token"].endswith("AA") else "BB")
    for token in (forged, "x" * 43, session["token"] + "x"):
        assert await me(client, token) == 401
    assert await me(client, session["token"]) == 200
    response = await client.get("/api/auth/me", headers=bearer(forged))
    assert response.json()["code"] == "UNAUTHENTICATED"
    assert isinstance(response, httpx.Response)
