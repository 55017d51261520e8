"""Each workaround in app/documents/compat.py, on both engines (and on
MongoDB with APP_MONGODB_URL): the README bullet it implements still holds
with it. Raw collections, no app."""

from __future__ import annotations

import time

from app.documents import compat
from tests.integration.helpers import Store


async def test_booleans_written_by_set_read_back_as_booleans(store: Store) -> None:
    """README: "A boolean written by `$set` comes back as `0`/`1`"."""
    await store.db.flags.insert_one({"_id": "f", "on": False})
    await store.db.flags.update_one({"_id": "f"}, {"$set": {"on": True}})
    assert await store.db.flags.find_one({"on": True}) is not None  # queries still match
    raw = await store.db.flags.find_one({"_id": "f"})
    assert raw is not None
    assert compat.restore_booleans(raw, ("on",))["on"] is True


async def test_counts_through_match_and_count(store: Store) -> None:
    """README: "`count_documents` scans the whole collection"."""
    await store.db.things.insert_many(
        [{"_id": str(n), "role": "a" if n % 2 else "b"} for n in range(7)]
    )
    await store.db.things.create_index("role")
    cursor = await store.db.things.aggregate(compat.count_pipeline({"role": "a"}))
    assert compat.counted(await cursor.to_list(1)) == 3
    # MongoDB answers nothing here, the stand-in engines {"n": 0}: both are 0.
    empty = await store.db.things.aggregate(compat.count_pipeline({"role": "none"}))
    assert compat.counted(await empty.to_list(1)) == 0


async def test_array_containment_through_all(store: Store) -> None:
    """README: "Equality on an element of an indexed array field matches nothing"."""
    await store.db.tagged.create_index("labels")
    await store.db.tagged.insert_many(
        [
            {"_id": "1", "labels": ["x", "y"]},
            {"_id": "2", "labels": ["x"]},
            {"_id": "3", "labels": ["y", "x", "z"]},
        ]
    )
    found = await store.db.tagged.find({"labels": compat.contains_all(["x", "y"])}).to_list()
    assert sorted(doc["_id"] for doc in found) == ["1", "3"]


async def test_keyset_page_as_two_scans(store: Store) -> None:
    """README: "A range on `_id`, and `$or`, are answered by scanning"."""
    await store.db.paged.insert_many(
        [{"_id": f"{n}", "_creationTime": 1000.0 + (n // 2)} for n in range(6)]
    )
    same, later = compat.keyset_scans(1001.0, ascending=True)
    ties = await store.db.paged.find(same).sort("_id", 1).to_list()
    rest = await store.db.paged.find(later).sort([("_creationTime", 1), ("_id", 1)]).to_list()
    assert [doc["_id"] for doc in ties] == ["2", "3"]
    assert [doc["_id"] for doc in rest] == ["4", "5"]
    _, before = compat.keyset_scans(1001.0, ascending=False)
    assert [doc["_id"] for doc in await store.db.paged.find(before).to_list()] == ["0", "1"]


async def test_changing_times_are_numbers(store: Store) -> None:
    """README: "A datetime written by `$set` into an existing document is stored
    as a string": times that change are written as ms, and read back as floats."""
    await store.db.timed.insert_one({"_id": "t", "last": compat.ms_time(0)})
    now = time.time() * 1000
    await store.db.timed.update_one({"_id": "t"}, {"$set": {"last": compat.ms_time(now)}})
    stored = await store.db.timed.find_one({"_id": "t", "last": {"$gt": now - 1}})
    assert stored is not None and isinstance(stored["last"], float)
    assert abs(stored["last"] - now) < 0.01  # nx-27017 keeps about 0.01 ms


async def test_a_document_holding_bytes_is_replaced_by_delete_and_insert(store: Store) -> None:
    """README: "Replacing a document that holds bytes fails"."""
    await store.db.blobs.insert_one({"_id": "b", "meta": {"raw": b"\x00"}, "n": 1})
    new = {"_id": "b", "meta": {"raw": [b"\x01"]}, "n": 2}
    assert compat.replaced_by_reinsert(new)
    assert not compat.replaced_by_reinsert({"_id": "c", "meta": {"tags": ["x", 1]}})
    await store.db.blobs.delete_one({"_id": "b"})
    await store.db.blobs.insert_one(new)
    assert await store.db.blobs.find_one({"_id": "b"}) == new
