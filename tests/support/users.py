"""User documents as the service stores them, for seeding a database directly."""

from __future__ import annotations

import time
from typing import Any

from app.config import DEFAULT_CONVEX_TABLE_NUMBERS
from app.documents.ids import mint

USERS_TABLE = DEFAULT_CONVEX_TABLE_NUMBERS["users"]


def user_document(email: str, *, password_hash: str | None = None, **fields: Any) -> dict[str, Any]:
    """A users document with the Convex system fields and the required fields
    (defaults: a new Convex ID of the users table, created now, name from the address, role
    ``staff``, active); ``fields`` adds or overrides any of them."""
    document: dict[str, Any] = {
        "_id": fields.pop("_id") if "_id" in fields else mint(USERS_TABLE),
        "_creationTime": fields.pop("_creationTime", time.time() * 1000),
        "name": fields.pop("name", email.split("@")[0]),
        "email": email,
        "role": fields.pop("role", "staff"),
        "permissions": fields.pop("permissions", []),
        "isActive": fields.pop("isActive", True),
        **fields,
    }
    if password_hash is not None:
        document["passwordHash"] = password_hash
    return document
