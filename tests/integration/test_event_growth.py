"""PROBE D8: one user cannot grow security_events without bound, and both log
collections have a retention (TTL index on their insert time)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pymongo import AsyncMongoClient

from app.asgi import create_app
from app.config import Settings
from app.security_events import recorder
from tests.conftest import make_settings
from tests.integration.helpers import Store, running_service

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
DAY = 86_400


async def sign_in(client: Any, email: str) -> None:
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200


async def denied_events(store: Store) -> list[dict[str, Any]]:
    return await store.events("permission_denied")


async def test_repeated_denials_are_one_counted_event(client: Client, store: Store) -> None:
    user = await store.add_user("plain@example.org")
    await sign_in(client, "plain@example.org")
    for _ in range(30):
        assert (await client.get("/api/users", params={"limit": 1})).status_code == 403
    # Another ID on the same route is the same route: it must not defeat the count.
    for n in range(10):
        assert (await client.get(f"/api/users/{n:024x}")).status_code == 403
    assert (await client.get("/api/audit-logs")).status_code == 403
    events = await denied_events(store)
    counted = {(e["details"]["route"], e["details"]["needed"]): e for e in events}
    assert len(events) == 3
    assert counted[("/api/users", "users:manage")]["details"]["count"] == 30
    assert counted[("/api/users/{id}", "users:manage")]["details"]["count"] == 10
    assert counted[("/api/audit-logs", "users:manage")]["details"]["count"] == 1
    assert all(e["user_id"] == user["_id"] for e in events)
    listed = await store.db.security_events.count_documents({})
    assert listed == 3 + 1  # and the login_success


async def test_a_new_minute_starts_a_new_event(
    client: Client, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.add_user("plain@example.org")
    await sign_in(client, "plain@example.org")
    clock = [1_800_000_000_000.0]
    monkeypatch.setattr(recorder, "now_ms", lambda: clock[0])
    for step in (0, 20_000, 59_999, 60_000, 61_000, 180_000):
        clock[0] = 1_800_000_000_000.0 + step
        assert (await client.get("/api/users")).status_code == 403
    counts = sorted(e["details"]["count"] for e in await denied_events(store))
    assert counts == [1, 2, 3]


@asynccontextmanager
async def instance(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An instance served in this event loop, so its requests really overlap."""
    app = create_app(settings)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


async def test_concurrent_denials_on_two_instances_count_exactly(
    engine: Any, database_name: str
) -> None:
    settings = make_settings(engine.url, database_name)
    store = Store(settings)
    try:
        await store.add_user("plain@example.org")
        async with instance(settings) as one, instance(settings) as two:
            await sign_in(one, "plain@example.org")
            await sign_in(two, "plain@example.org")
            responses = await asyncio.gather(
                *(client.get("/api/users") for client in [one, two] * 20)
            )
        assert [r.status_code for r in responses] == [403] * 40
        events = await denied_events(store)
        assert len(events) == 1 and events[0]["details"]["count"] == 40
    finally:
        await store.client.drop_database(database_name)
        await store.close()


async def test_a_flood_against_the_running_server_adds_one_document(
    engine: Any, database_name: str
) -> None:
    """The probe's loop (a plain user, `GET /api/users?limit=1`), bounded: 300
    requests used to add 300 documents; now one per minute."""
    store = Store(Settings(mongodb_url=engine.url, database=database_name))
    try:
        await store.add_user("plain@example.org")
        with running_service(engine.url, database_name) as base_url:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
                await sign_in(http, "plain@example.org")
                before = await store.db.security_events.count_documents({})
                for _ in range(30):
                    batch = [http.get("/api/users", params={"limit": 1}) for _ in range(10)]
                    assert {r.status_code for r in await asyncio.gather(*batch)} == {403}
                after = await store.db.security_events.count_documents({})
        events = await denied_events(store)
        # One document per minute: the run may straddle a minute boundary.
        assert 1 <= after - before <= 2, after - before
        assert sum(event["details"]["count"] for event in events) == 300
    finally:
        await store.client.drop_database(database_name)
        await store.close()


async def ttl_indexes(url: str, database: str, collection: str) -> dict[str, int]:
    """key field -> expireAfterSeconds, for every TTL index (names differ per engine)."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    try:
        cursor = await mongo[database][collection].list_indexes()
        return {
            next(iter(index["key"])): int(index["expireAfterSeconds"])
            async for index in cursor
            if "expireAfterSeconds" in index
        }
    finally:
        await mongo.close()


async def test_retention_defaults_to_a_year(
    client: Client, engine: Any, database_name: str
) -> None:
    assert await ttl_indexes(engine.url, database_name, "security_events") == {
        "occurred_at": 365 * DAY
    }
    assert await ttl_indexes(engine.url, database_name, "audit_logs") == {"timestamp": 365 * DAY}


async def test_retention_follows_the_settings(engine: Any, database_name: str) -> None:
    settings = make_settings(
        engine.url, database_name, security_event_retention_days=30, audit_log_retention_days=730
    )
    try:
        async with AsyncTestClient(create_app(settings)) as client:
            assert (await client.get("/ready")).status_code == 200
        assert await ttl_indexes(engine.url, database_name, "security_events") == {
            "occurred_at": 30 * DAY
        }
        assert await ttl_indexes(engine.url, database_name, "audit_logs") == {
            "timestamp": 730 * DAY
        }
    finally:
        store = Store(settings)
        await store.client.drop_database(database_name)
        await store.close()


def test_retention_must_be_at_least_a_day() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Settings(security_event_retention_days=0)
