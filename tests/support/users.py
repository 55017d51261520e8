"""User documents as the service stores them, for seeding a database directly."""

from __future__ import annotations

import time
from typing import Any

from bson import ObjectId


def user_document(email: str, *, password_hash: str | None = None, **fields: Any) -> dict[str, Any]:
    """A users document with the Convex system fields and the required fields
    (defaults: a new ``_id``, created now, name from the address, role
    ``staff``, active); ``fields`` adds or overrides any of them."""
    document: dict[str, Any] = {
        "_id": fields.pop("_id") if "_id" in fields else str(ObjectId()),
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
