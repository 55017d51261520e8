"""The stored keys of the ranked search entries: ascending order is ranking order."""

from __future__ import annotations

import random

from app.users.ranked_search import entries, mirror_id, unmirror_id
from app.users.search import SearchQuery, rank
from tests.support.users import user_document


def test_mirrored_ids_sort_in_reverse() -> None:
    ids = ["k57abc", "k57ab", "k57abd", "0", "zz", "507f1f77bcf86cd799439011"]
    assert sorted(ids, key=mirror_id) == sorted(ids, reverse=True)
    assert [unmirror_id(mirror_id(i)) for i in ids] == ids


def test_entries_in_ascending_order_are_the_ranking() -> None:
    rng = random.Random(7)
    words = ["Ayşe", "Aylin", "Kaya", "Ay", "Ayla", "Demir", "Yılmaz"]
    # Few distinct times, so ties of relevance and time fall back to the ID.
    users = [
        user_document(
            f"u{n}@example.org",
            name=" ".join(rng.sample(words, rng.randint(1, 3))),
            _creationTime=float(rng.randint(1, 3)),
        )
        for n in range(60)
    ]
    for text, query in (("ay", SearchQuery((), "ay")), ("ayse k", SearchQuery(("ayse",), "k"))):
        entry = f"p:{text}" if not query.words else f"c:{text}"
        stored = [
            (e["r"], e["t"], e["u"])
            for user in users
            for e in entries(user["_id"], user["name"], user["_creationTime"])
            if e["e"] == entry
        ]
        expected = [u["_id"] for u in rank(query, users) if f"{entry}" in _entries_of(u)]
        assert [unmirror_id(key[2]) for key in sorted(stored)] == expected


def _entries_of(user: dict[str, object]) -> set[str]:
    return {e["e"] for e in entries(str(user["_id"]), str(user["name"]), 0.0)}
