"""Concurrent reads by ID share one query; each caller gets its own answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.batching import BatchedGetter


class FakeStore:
    def __init__(self, documents: dict[str, dict[str, Any]], fail: bool = False) -> None:
        self.documents = documents
        self.fail = fail
        self.queries: list[list[str]] = []

    async def fetch_many(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        self.queries.append(ids)
        await asyncio.sleep(0)
        if self.fail:
            raise ConnectionError("database down")
        return {i: self.documents[i] for i in ids if i in self.documents}


async def test_concurrent_gets_share_one_query() -> None:
    store = FakeStore({f"id{n}": {"_id": f"id{n}"} for n in range(10)})
    getter = BatchedGetter(store.fetch_many)
    wanted = ["id1", "id2", "missing", "id1", "id9"]
    results = await asyncio.gather(*(getter.get(i) for i in wanted))
    assert [r and r["_id"] for r in results] == ["id1", "id2", None, "id1", "id9"]
    assert len(store.queries) == 1 and sorted(store.queries[0]) == ["id1", "id2", "id9", "missing"]


async def test_sequential_gets_each_query() -> None:
    store = FakeStore({"a": {"_id": "a"}})
    getter = BatchedGetter(store.fetch_many)
    assert await getter.get("a") == {"_id": "a"}
    assert await getter.get("b") is None
    assert len(store.queries) == 2


async def test_batches_are_bounded() -> None:
    store = FakeStore({})
    getter = BatchedGetter(store.fetch_many, max_batch=3)
    await asyncio.gather(*(getter.get(f"x{n}") for n in range(7)))
    assert [len(q) for q in store.queries] == [3, 3, 1]


async def test_failures_reach_every_waiter() -> None:
    getter = BatchedGetter(FakeStore({}, fail=True).fetch_many)
    results = await asyncio.gather(getter.get("a"), getter.get("b"), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)


async def test_a_cancelled_waiter_does_not_disturb_the_others() -> None:
    store = FakeStore({"a": {"_id": "a"}, "b": {"_id": "b"}})
    getter = BatchedGetter(store.fetch_many)
    first = asyncio.ensure_future(getter.get("a"))
    second = asyncio.ensure_future(getter.get("b"))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == {"_id": "b"}
    with pytest.raises(asyncio.CancelledError):
        await first


@pytest.mark.parametrize("enabled", [True, False])
def test_the_setting_reaches_every_repository(enabled: bool) -> None:
    """``APP_BATCH_READS`` means every collection, not only users."""
    from app.config import Settings
    from app.container import Container
    from app.documents import Repository

    services = Container(Settings(mongodb_url="mongodb://127.0.0.1:1/", batch_reads=enabled))
    repositories = [value for value in vars(services).values() if isinstance(value, Repository)]
    assert len(repositories) == 7
    assert all((repository._batched is not None) == enabled for repository in repositories)
