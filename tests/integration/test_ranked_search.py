"""The ranked search entries (app/users/ranked_search.py) follow every write of
a name, and a search of one or two terms is read from them."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from app.convex_io.repository import BulkDocuments
from app.documents import CursorCodec
from app.users.ranked_search import COLLECTION, RankedSearch, SearchEntry
from app.users.repository import UsersRepository
from app.users.search import SearchQuery, relevance
from tests.conftest import EXTERNAL_URL
from tests.integration.helpers import Store
from tests.integration.test_cli import run
from tests.support.users import user_document

Client = AsyncTestClient[Litestar]


async def found(client: Client, text: str) -> list[str]:
    response = await client.get("/api/users", params={"search": text})
    assert response.status_code == 200, response.text
    return [user["_id"] for user in response.json()["documents"]]


async def entries_of(store: Store, user_id: str) -> dict[str, float]:
    return {e["e"]: e["r"] async for e in store.db[COLLECTION].find({"u": user_id})}


async def test_create_and_rename_keep_the_entries_in_step(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    response = await client.post(
        "/api/users", json={"name": "Ayşe Yılmaz", "email": "ayse@example.org", "role": "staff"}
    )
    user_id = response.json()["_id"]
    stored = await entries_of(store, user_id)
    assert stored["p:ay"] == relevance(SearchQuery((), "ay"), "Ayşe Yılmaz")
    assert stored["c:ayse yil"] == relevance(SearchQuery(("ayse",), "yil"), "Ayşe Yılmaz")
    assert await found(client, "ayse yil") == [user_id]

    await client.patch(f"/api/users/{user_id}", json={"name": "Zümrüt Qwerty"})
    stored = await entries_of(store, user_id)
    assert "p:ay" not in stored and "c:zumrut qw" in stored
    assert await found(client, "ay") == []
    assert await found(client, "zumrut qw") == [user_id]
    # A patch that leaves the name alone leaves the entries alone.
    await client.patch(f"/api/users/{user_id}", json={"role": "editor"})
    assert await entries_of(store, user_id) == stored


async def test_reindex_search_rebuilds_the_entries(
    cli_env: Settings, client: Client, admin: dict[str, Any], store: Store
) -> None:
    # Written around the service: the search helpers exist, the entries not.
    user = await store.add_user("old@example.org", name="Gülşen Öztürk")
    await store.db[COLLECTION].insert_one({"e": "p:zz", "r": 1.0, "t": 1.0, "u": user["_id"]})
    assert await found(client, "gulsen") == []
    assert "re-indexed" in (await run("db", "reindex-search"))
    assert await found(client, "gulsen") == [user["_id"]]
    assert await found(client, "ozturk gul") == [user["_id"]]
    assert "p:zz" not in await entries_of(store, user["_id"])


class _Source:
    def __init__(self, store: Store) -> None:
        self.store = store

    def collection(self, name: str) -> Any:
        return self.store.db[name]


async def test_imports_write_the_entries(store: Store) -> None:
    """The Convex import's writes (insert, upsert, clear) keep them in step."""
    source = _Source(store)
    users = BulkDocuments(UsersRepository(source, CursorCodec(b"k" * 32)), RankedSearch(source))
    first = user_document("a@example.org", name="Işık Kaya")
    second = user_document("b@example.org", name="Ali Demir")
    await users.insert([first, second])
    assert "p:isik" in await entries_of(store, first["_id"])
    await users.upsert([{**first, "name": "Işıl Kaya"}, second])
    stored = await entries_of(store, first["_id"])
    assert "p:isil" in stored and "p:isik" not in stored
    await users.clear()
    assert await store.db[COLLECTION].count_documents({}) == 0


@pytest.mark.skipif(not EXTERNAL_URL, reason="explain() plans exist only on MongoDB itself")
async def test_mongodb_serves_a_ranked_page_from_one_index(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    """On MongoDB a page is one index scan of ``by_entry_rank`` with no sort
    stage. The stand-in engines have no query plans, so this is the one test
    that skips without APP_MONGODB_URL: the CI job against MongoDB runs it."""
    for n, name in enumerate(("Ayşe Kaya", "Aylin Demir", "Ayşe Yılmaz")):
        email = f"p{n}@example.org"
        await client.post("/api/users", json={"name": name, "email": email, "role": "staff"})
    plan = (
        await store.db[COLLECTION]
        .find({"e": "p:ay"}, sort=[("r", -1), ("t", -1), ("u", -1)], limit=51)
        .explain()
    )
    text = str(plan["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in text and "by_entry_rank" in text
    assert "'SORT'" not in text and "COLLSCAN" not in text
    assert SearchEntry.Settings.name == COLLECTION
