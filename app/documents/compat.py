"""Every workaround for the stand-in engines, one named function each.

The service runs on MongoDB in production and on nx-27017 (embedded) and
mongoeco (tests) here; each function below keeps the code in the subset the
three share, and names the README bullet ("Known differences of the stand-in
engines") it implements. ``tests/integration/test_compat.py`` runs each on
both engines.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from app.documents.ids import CREATION_TIME


def boolean_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The model's boolean fields (``bool`` or ``bool | None``), by stored name."""
    found = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        is_union = get_origin(annotation) in (Union, types.UnionType)
        members = get_args(annotation) if is_union else (annotation,)
        if bool in members:
            found.append(field.alias or name)
    return tuple(found)


def restore_booleans(document: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """README: "A boolean written by `$set` comes back as `0`/`1`". Queries with
    true/false still match there; reads turn the value back into a bool."""
    for field in fields:
        value = document.get(field)
        if value is not None and not isinstance(value, bool):
            document[field] = bool(value)
    return document


def count_pipeline(query: Mapping[str, Any]) -> list[dict[str, Any]]:
    """README: "`count_documents` scans the whole collection"; ``$match`` +
    ``$count`` uses the index there, and is an index count on MongoDB too."""
    return [{"$match": dict(query)}, {"$count": "n"}]


def counted(results: list[dict[str, Any]]) -> int:
    """The number ``count_pipeline`` gave: MongoDB answers no document when
    nothing matches, both stand-in engines answer ``{"n": 0}``."""
    return int(results[0]["n"]) if results else 0


def contains_all(values: list[str]) -> dict[str, Any]:
    """README: "Equality on an element of an indexed array field matches
    nothing"; ``$all`` matches (by scanning there, from the index on MongoDB)."""
    return {"$all": list(values)}


def keyset_scans(creation_time: float, ascending: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """README: "A range on `_id`, and `$or`, are answered by scanning". A page
    after (``_creationTime``, ``_id``) is two plain index scans instead of one
    ``$or``: the rest of the cursor's ``_creationTime`` (whose ``_id`` bound
    the caller checks in memory), then the times beyond it."""
    return {CREATION_TIME: creation_time}, {
        CREATION_TIME: {"$gt" if ascending else "$lt": creation_time}
    }


def ms_time(ms: float) -> float:
    """README: "A datetime written by `$set` into an existing document is stored
    as a string". A time that changes after insert is written as ms since the
    epoch (a float), as ``_creationTime``; dates are written only at insert.
    nx-27017 keeps such a float to about 0.01 ms, so a time is compared with
    the value read back, never with the one written."""
    return float(ms)


def replaced_by_reinsert(document: Mapping[str, Any]) -> bool:
    """README: "Replacing a document that holds bytes fails". nx-27017 answers
    "Object of type bytes is not JSON serializable" to a replace (not to an
    insert): such a document is replaced by a delete and an insert."""
    return _holds_bytes(document)


def _holds_bytes(value: Any) -> bool:
    if isinstance(value, bytes):
        return True
    if isinstance(value, Mapping):
        return any(_holds_bytes(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_bytes(item) for item in value)
    return False


def is_engine_index_name(name: str, collection: str, keys: tuple[tuple[str, Any], ...]) -> bool:
    """README: "Index names are replaced by internal ones" (nx-27017 lists
    ``by_email`` of ``users`` as ``idx_users_email``): such a name stands for
    whatever name the index was created with, so it is no drift."""
    return name == "idx_" + "_".join([collection, *(field for field, _ in keys)])
