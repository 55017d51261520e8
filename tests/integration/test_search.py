"""Search quality on a fixture of Turkish and international names, through the API.

The expected results in tests/search_fixture.py are written by hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from tests.integration.helpers import Store
from tests.search_fixture import CASES, NAMES

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"


@pytest.fixture
async def seeded(client: Client, settings: Settings) -> AsyncIterator[dict[str, str]]:
    """Every fixture name created through the API (so the write path stores the
    search helpers); returns name → _id."""
    store = Store(settings)
    await store.add_user(
        "admin@example.org", name="Zz Admin", role="admin", permissions=["users:manage"]
    )
    await client.post("/api/auth/login", json={"email": "admin@example.org", "password": PASSWORD})
    ids: dict[str, str] = {}
    for n, name in enumerate(NAMES):
        response = await client.post(
            "/api/users",
            json={
                "name": name,
                "email": f"person{n}@example.org",
                "role": "editor" if n % 3 == 0 else "staff",
                "isActive": n % 5 != 0,
            },
        )
        assert response.status_code == 201, response.text
        ids[name] = response.json()["_id"]
    yield ids
    await store.close()


async def search(client: Client, text: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"search": text, "limit": 100, **params}
        if cursor:
            query["cursor"] = cursor
        response = await client.get("/api/users", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        found.extend(body["documents"])
        cursor = body["continueCursor"]
        if body["isDone"]:
            return found


async def test_hand_written_cases(client: Client, seeded: dict[str, str]) -> None:
    assert len(NAMES) >= 200
    for query, expected in CASES:
        found = {user["name"] for user in await search(client, query)}
        assert found == set(expected), query


async def test_ranking_and_ties(client: Client, seeded: dict[str, str]) -> None:
    for query, expected in CASES:
        if len(expected) < 2:
            continue
        found = await search(client, query)
        # Names that equal the query come first.
        exact = [u for u in found if u["name"].casefold() == query.casefold()]
        if exact:
            assert found[0]["name"].casefold() == query.casefold()


async def test_filters_narrow_the_candidates(client: Client, seeded: dict[str, str]) -> None:
    query = next(q for q, e in CASES if len(e) >= 3)
    everyone = await search(client, query)
    editors = await search(client, query, role="editor")
    inactive = await search(client, query, isActive="false")
    assert {u["_id"] for u in editors} == {u["_id"] for u in everyone if u["role"] == "editor"}
    assert {u["_id"] for u in inactive} == {u["_id"] for u in everyone if u["isActive"] is False}
    one = everyone[0]
    by_email = await search(client, query, email=one["email"])
    assert [u["_id"] for u in by_email] == [one["_id"]]


async def test_search_pages_and_totals(client: Client, seeded: dict[str, str]) -> None:
    query, expected = max(CASES, key=lambda case: len(case[1]))
    first = (await client.get("/api/users", params={"search": query, "limit": 2})).json()
    assert first["total"] == len(expected) and len(first["documents"]) == min(2, len(expected))
    walked = await search(client, query)
    assert len(walked) == len({u["_id"] for u in walked}) == len(expected)
    foreign = await client.get(
        "/api/users", params={"search": query + "x", "cursor": first["continueCursor"]}
    )
    assert foreign.status_code == 400 and foreign.json()["code"] == "INVALID_CURSOR"


async def test_renames_update_the_search_helpers(client: Client, seeded: dict[str, str]) -> None:
    name, user_id = next(iter(seeded.items()))
    await client.patch(f"/api/users/{user_id}", json={"name": "Zümrüt Qwertyoğlu"})
    assert [u["_id"] for u in await search(client, "qwertyoglu")] == [user_id]
    assert [u["_id"] for u in await search(client, "zumrut qwerty")] == [user_id]
    assert user_id not in {u["_id"] for u in await search(client, name)}


async def test_search_input_is_validated(client: Client, seeded: dict[str, str]) -> None:
    for bad in ("!!!", " ", "x" * 201):
        response = await client.get("/api/users", params={"search": bad})
        assert response.status_code == 400, bad
