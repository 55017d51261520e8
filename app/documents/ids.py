"""Document IDs and the system fields every document has (Convex's model)."""

from __future__ import annotations

import re
from typing import Final

from bson import ObjectId

from app.errors import InvalidId

ID_FIELD: Final = "_id"
CREATION_TIME: Final = "_creationTime"
SYSTEM_FIELDS = frozenset({ID_FIELD, CREATION_TIME})

_OBJECT_ID = re.compile(r"[0-9a-f]{24}")
# Convex IDs: 31-37 characters of lowercase Crockford base32 (no i, l, o, u).
_CONVEX_ID = re.compile(r"[0-9a-hjkmnp-tv-z]{31,37}")


def new_id() -> str:
    return str(ObjectId())


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(
        _OBJECT_ID.fullmatch(value) or _CONVEX_ID.fullmatch(value)
    )


def parse_id(value: object) -> str:
    """Return the ID, or raise 400 INVALID_ID for anything not shaped like one."""
    if not is_valid_id(value):
        raise InvalidId(details={"id": value if isinstance(value, str) else None})
    return str(value)
