"""The Convex document rules, without a database."""

from __future__ import annotations

import pytest

from app.documents import (
    CursorCodec,
    PatchRules,
    is_valid_id,
    new_object_id,
    parse_id,
    plan_patch,
    query_fingerprint,
)
from app.errors import InvalidCursor, InvalidId, ValidationError

RULES = PatchRules(
    required=frozenset({"name"}), optional=frozenset({"phone"}), protected=frozenset({"secret"})
)


@pytest.mark.parametrize(
    "value",
    [new_object_id(), "0123456789abcdef01234567", "jd71dy1pftegp7scv1wxkzys5n7j2d97"],
    ids=["new", "hex", "convex"],  # a fresh ID in the name would differ per collecting process
)
def test_valid_ids(value: str) -> None:
    assert is_valid_id(value)
    assert parse_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "0123456789ABCDEF01234567",  # upper case
        "0123456789abcdef0123456",  # 23 hex
        "k" * 30,
        "k" * 37,  # shaped like a Convex ID, without its checksum
        "k" * 38,
        "jd7f3k2m9q8r4t6v1w0x5y3z2a1b4cu",  # 'u' is not Crockford base32
        "../../etc/passwd",
        {"$ne": None},
        None,
        42,
    ],
)
def test_invalid_ids(value: object) -> None:
    assert not is_valid_id(value)
    with pytest.raises(InvalidId):
        parse_id(value)


def test_patch_null_removes_present_optional_fields_only() -> None:
    plan = plan_patch({"phone": None}, {"name": "a", "phone": "1"}, RULES)
    assert plan.unset == ("phone",) and plan.set == {}
    assert plan_patch({"phone": None}, {"name": "a"}, RULES).is_empty


def test_patch_skips_unchanged_values() -> None:
    assert plan_patch({"name": "a"}, {"name": "a"}, RULES).is_empty
    assert plan_patch({"name": "b"}, {"name": "a"}, RULES).set == {"name": "b"}


def test_patch_as_update() -> None:
    plan = plan_patch({"name": "b", "phone": None}, {"name": "a", "phone": "1"}, RULES)
    assert plan.as_update() == {"$set": {"name": "b"}, "$unset": {"phone": ""}}


@pytest.mark.parametrize(
    "patch",
    [{"name": None}, {"other": 1}, {"secret": "x"}, {"_id": "x"}, {"_creationTime": 2.0}],
)
def test_patch_rejections(patch: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as error:
        plan_patch(patch, {"_id": "i", "_creationTime": 1.0, "name": "a"}, RULES)
    assert error.value.field_errors[0].field == next(iter(patch))


def test_cursor_round_trip_and_binding() -> None:
    codec = CursorCodec(b"secret")
    fingerprint = query_fingerprint("users", {"role": "admin"}, "asc")
    cursor = codec.encode(fingerprint, (1234.5, "abc"))
    assert codec.decode(fingerprint, cursor) == [1234.5, "abc"]
    other = query_fingerprint("users", {"role": "staff"}, "asc")
    with pytest.raises(InvalidCursor):
        codec.decode(other, cursor)
    with pytest.raises(InvalidCursor):
        CursorCodec(b"another secret").decode(fingerprint, cursor)


@pytest.mark.parametrize("cursor", ["", ".", "abc", "a.b.c", "!!!.???", "eyJ9.AAAA"])
def test_garbage_cursors(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        CursorCodec(b"secret").decode(query_fingerprint("users", {}, "asc"), cursor)


def test_fingerprint_ignores_key_order() -> None:
    assert query_fingerprint("u", {"a": 1, "b": 2}, "asc") == query_fingerprint(
        "u", {"b": 2, "a": 1}, "asc"
    )
