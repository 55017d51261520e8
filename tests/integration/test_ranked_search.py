"""The ranked search entries (app/users/ranked_search.py) follow every write of
a name, and a search of one or two terms is read from them."""

from __future__ import annotations

import asyncio
from typing import Any

import bcrypt
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.config import Settings
from app.convex_io.repository import BulkDocuments
from app.documents import CursorCodec
from app.users.models import SEARCH_TOKENS
from app.users.ranked_search import (
    COLLECTION,
    RankedSearch,
    entry_queries,
    mirror_id,
    unmirror_id,
)
from app.users.repository import UsersRepository
from app.users.search import SearchQuery, rank, relevance
from tests.conftest import EXTERNAL_URL, SERVICE_TOKEN
from tests.integration.helpers import Store
from tests.integration.test_cli import run
from tests.support.users import user_document

Client = AsyncTestClient[Litestar]
AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


class _Source:
    """The database as RankedSearch and the repositories see it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collection(self, name: str) -> Any:
        return self.store.db[name]


async def found(client: Client, text: str, **params: Any) -> list[str]:
    response = await client.get("/api/users", params={"search": text, **params})
    assert response.status_code == 200, response.text
    return [user["_id"] for user in response.json()["documents"]]


async def entries_of(store: Store, user_id: str) -> dict[str, float]:
    """Entry → relevance, as the query it serves ranks the user."""
    return {e["e"]: -e["r"] async for e in store.db[COLLECTION].find({"u": mirror_id(user_id)})}


async def entry_list(store: Store, user_id: str) -> list[str]:
    """The user's entries, duplicates kept."""
    return sorted([e["e"] async for e in store.db[COLLECTION].find({"u": mirror_id(user_id)})])


async def create(client: Client, name: str, email: str, **fields: Any) -> str:
    body = {"name": name, "email": email, "role": "staff", **fields}
    response = await client.post("/api/users", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["_id"])


async def test_create_and_rename_keep_the_entries_in_step(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    user_id = await create(client, "Ayşe Yılmaz", "ayse@example.org")
    stored = await entries_of(store, user_id)
    assert stored["p:ay"] == relevance(SearchQuery((), "ay"), "Ayşe Yılmaz")
    assert stored["c:ayse yil"] == relevance(SearchQuery(("ayse",), "yil"), "Ayşe Yılmaz")
    assert await found(client, "ayse yil") == [user_id]

    await client.patch(f"/api/users/{user_id}", json={"name": "Zümrüt Qwerty"})
    stored = await entries_of(store, user_id)
    assert "p:ay" not in stored and "c:zumrut qw" in stored
    assert await found(client, "ay") == []
    assert await found(client, "zumrut qw") == [user_id]
    # A patch that leaves the name alone, and a soft delete, leave the entries
    # alone: a deleted user is found as before (isActive=true filters it out).
    await client.patch(f"/api/users/{user_id}", json={"role": "editor"})
    assert (await client.delete(f"/api/users/{user_id}")).status_code == 200
    assert await entries_of(store, user_id) == stored
    assert await found(client, "zumrut") == [user_id]
    assert await found(client, "zumrut", isActive="true") == []


async def test_concurrent_renames_end_with_the_entries_of_the_stored_name(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    """Renames racing as the service runs them (``UsersService._patch``: the
    name written, then its entries from the written name), in one event loop."""
    user_id = await create(client, "Ayşe Yılmaz", "race@example.org")
    ranked = RankedSearch(_Source(store))
    names = ("Zeynep Kaya", "Elif Demir", "Meryem Şahin", "Hatice Çelik", "Fatma Yıldız")

    async def rename(name: str) -> None:
        await store.db.users.update_one({"_id": user_id}, {"$set": {"name": name}})
        await ranked.replace([{"_id": user_id, "name": name, "_creationTime": 1.0}])

    for _ in range(3):
        await asyncio.gather(*(rename(name) for name in names))
        user = await store.db.users.find_one({"_id": user_id})
        assert await entry_list(store, user_id) == sorted(entry_queries(user["name"]))
        assert await found(client, user["name"]) == [user_id]
        for other in names:
            if other != user["name"]:
                assert await found(client, other) == []


async def test_a_pass_behind_a_rename_ends_with_the_stored_name(store: Store) -> None:
    """A pass given a name already replaced (it read the user before a rename)
    writes the stored name's entries; writing them twice is a no-op; a user
    gone loses them."""
    user = await store.add_user("stale@example.org", name="Yeni İsim")
    ranked = RankedSearch(_Source(store))
    await ranked.replace([{**user, "name": "Eski Ad"}])
    assert await entry_list(store, user["_id"]) == sorted(entry_queries("Yeni İsim"))
    await ranked.add([user])
    await ranked.replace([user])
    assert await entry_list(store, user["_id"]) == sorted(entry_queries("Yeni İsim"))
    await ranked.add([{**user, "name": "Eski Ad"}])  # a create overtaken by a rename
    assert await entry_list(store, user["_id"]) == sorted(entry_queries("Yeni İsim"))
    await store.db.users.delete_one({"_id": user["_id"]})
    await ranked.replace([user])
    assert await entry_list(store, user["_id"]) == []


async def test_convex_functions_keep_the_entries_in_step(settings: Settings, store: Store) -> None:
    """users:create and users:update of the Convex function API write names too."""

    async def call(path: str, **args: Any) -> Any:
        body = {"path": path, "format": "convex_encoded_json", "args": [args]}
        response = await client.post("/convex/api/mutation", json=body, headers=AUTH)
        assert response.json()["status"] == "success", response.text
        return response.json()["value"]

    legacy_hash = bcrypt.hashpw(b"correct horse battery", bcrypt.gensalt(4)).decode()
    app = create_app(settings.model_copy(update={"convex_api_prefix": "/convex"}))
    async with AsyncTestClient(app) as client:
        fields = {"email": "isik@example.org", "role": "staff", "passwordHash": legacy_hash}
        fields |= {"permissions": [], "isActive": True}
        user_id = await call("users:create", name="Işık Kaya", **fields)
        assert "p:isik" in await entries_of(store, user_id)
        await call("users:update", id=user_id, name="Işıl Kaya")
    stored = await entries_of(store, user_id)
    assert "p:isil" in stored and "p:isik" not in stored


async def test_reindex_search_rebuilds_the_entries(
    cli_env: Settings, client: Client, admin: dict[str, Any], store: Store
) -> None:
    # Written around the service: the search helpers exist, the entries not.
    user = await store.add_user("old@example.org", name="Gülşen Öztürk")
    await store.db[COLLECTION].insert_one(
        {"e": "p:zz", "r": -1.0, "t": -1.0, "u": mirror_id(user["_id"])}
    )
    assert await found(client, "gulsen") == []
    assert "re-indexed" in (await run("db", "reindex-search"))
    assert await found(client, "gulsen") == [user["_id"]]
    assert await found(client, "ozturk gul") == [user["_id"]]
    assert "p:zz" not in await entries_of(store, user["_id"])


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


NAMES = ("Ayşe Kaya", "Aylin Demir", "Ayşe Yılmaz", "Ayşe", "Kaya Ayşe", "Ayla Ay", "Ayşe Kaya")


async def test_a_ranked_page_is_one_lookup_of_the_entries(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    """The page query: on MongoDB (APP_MONGODB_URL) one index scan of
    ``by_entry_rank`` with no sort stage, checked with ``explain()``; on the
    stand-in engines, which have no such plans, the same query gives the
    ranking order, and the service answers from the entries alone."""
    ids = [await create(client, name, f"p{n}@example.org") for n, name in enumerate(NAMES)]
    users = await store.db.users.find({"_id": {"$in": ids}}).to_list()
    expected = [user["_id"] for user in rank(SearchQuery((), "ay"), users)]
    ranked = RankedSearch(_Source(store))
    assert [unmirror_id(d["u"]) async for d in ranked.find({"e": "p:ay"}, 51)] == expected
    assert [key[2] for key in await ranked.page("p:ay", None, 3)] == expected[:3]
    assert [key[2] for key in await ranked.page("p:ay", None, 51)] == expected
    if EXTERNAL_URL:
        plan = await ranked.find({"e": "p:ay"}, 51).explain()
        text = str(plan["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in text and "by_entry_rank" in text, text
        assert "'SORT'" not in text and "COLLSCAN" not in text, text
        return
    # Without the array the service still finds them, in the same order:
    # the entries answer (a filtered search still reads the array).
    await store.db.users.update_many({}, {"$set": {SEARCH_TOKENS: []}})
    assert await found(client, "ay", limit=100) == expected
    assert await found(client, "ay", role="staff") == []
