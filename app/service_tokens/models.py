"""The ``service_tokens`` collection: internal callers' tokens, stored hashed."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from pymongo import ASCENDING, IndexModel

from app.documents import ConvexDocument


class ServiceToken(ConvexDocument):
    name: str
    token_hash: str
    scopes: list[str] = Field(default_factory=list)
    created_at: datetime
    # ms since the epoch: one engine stores a datetime written by $set as a string.
    revoked_at: float | None = None
    is_active: bool = True

    class Settings:
        name = "service_tokens"
        indexes = [
            IndexModel([("token_hash", ASCENDING)], name="by_token_hash", unique=True),
            IndexModel([("name", ASCENDING)], name="by_name"),
        ]
