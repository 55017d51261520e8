"""The in-process map of token hash → (session _id, user _id): bounded, oldest out."""

from __future__ import annotations

from app.auth.session_index import SessionIndex, SessionKeys


def test_the_index_is_bounded_and_forgets_the_oldest_first() -> None:
    index = SessionIndex(max_entries=3)
    for n in range(4):
        index.remember(f"hash{n}", SessionKeys(f"session{n}", f"user{n}"))
    assert len(index) == 3
    assert index.get("hash0") is None  # the oldest made room
    assert index.get("hash3") == SessionKeys("session3", "user3")
    index.forget("hash3")
    index.forget("never there")
    assert index.get("hash3") is None and len(index) == 2
