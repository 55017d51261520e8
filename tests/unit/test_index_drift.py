"""Comparing declared indexes with listed ones (app/documents/indexes.py),
as each server lists them."""

from __future__ import annotations

from app.db import DOCUMENT_MODELS
from app.documents.indexes import IndexSpec, compare, model_specs

EMAIL = IndexSpec("users", "by_email", (("email", 1),), {"unique": True})


def listed(name: str, keys: dict[str, object], **options: object) -> IndexSpec:
    return IndexSpec.from_document("users", {"name": name, "key": keys, "v": 2, **options})


def test_the_same_index_as_each_server_lists_it_is_no_drift() -> None:
    for found in (
        listed("by_email", {"email": 1}, unique=True),  # MongoDB
        listed("by_email", {"email": 1.0}, unique=True, ns="db.users"),  # float direction
        listed("idx_users_email", {"email": 1}, unique=True),  # nx-27017's own name
    ):
        drift = compare([EMAIL], [listed("_id_", {"_id": 1}), found])
        assert drift.clean and drift.matching == [EMAIL] and not drift.extra


def test_missing_differing_and_extra() -> None:
    role = IndexSpec("users", "by_role", (("role", 1), ("_creationTime", 1)))
    found = [
        listed("by_email", {"email": 1}, unique=False),
        listed("by_hand", {"name": 1}),
    ]
    drift = compare([EMAIL, role], found)
    assert drift.missing == [role]
    assert [d.what for d in drift.differing] == [("unique",)]
    assert [index.name for index in drift.extra] == ["by_hand"]
    # Same keys under another name, and the declared name on other keys.
    renamed = compare([EMAIL], [listed("email_1", {"email": 1}, unique=True)])
    assert [d.what for d in renamed.differing] == [("name",)]
    rekeyed = compare([EMAIL], [listed("by_email", {"phone": 1}, unique=True)])
    assert [d.what for d in rekeyed.differing] == [("keys",)]


def test_every_model_index_is_declared_with_a_name() -> None:
    specs = model_specs(DOCUMENT_MODELS)
    assert EMAIL in specs
    assert all(spec.name.startswith("by_") for spec in specs)
    assert len({(spec.collection, spec.name) for spec in specs}) == len(specs)
