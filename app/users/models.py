"""The ``users`` collection (field names as in the Convex schema)."""

from __future__ import annotations

from pydantic import Field
from pymongo import ASCENDING, IndexModel

from app.documents import CREATION_TIME, ConvexDocument, by_creation

SEARCH_TOKENS = "searchTokens"  # hidden: folded name tokens and their prefixes


class User(ConvexDocument):
    name: str
    email: str
    role: str
    permissions: list[str] = Field(default_factory=list)
    isActive: bool = True
    phone: str | None = None
    avatar: str | None = None
    labels: list[str] | None = None
    createdAt: str | None = None
    lastLogin: str | None = None
    updatedAt: str | None = None
    passwordHash: str | None = None
    two_factor_enabled: bool | None = None
    searchTokens: list[str] = Field(default_factory=list)

    class Settings:
        name = "users"
        indexes = [
            IndexModel([("email", ASCENDING)], name="by_email", unique=True),
            by_creation("role", name="by_role"),
            by_creation("isActive", name="by_is_active"),
            IndexModel([(SEARCH_TOKENS, ASCENDING)], name="by_search"),
            by_creation("phone", name="by_phone"),
            by_creation("labels", name="by_labels"),
            IndexModel([(CREATION_TIME, ASCENDING)], name="by_creation_time"),
        ]
