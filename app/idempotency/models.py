"""The ``idempotency_keys`` collection: which request an Idempotency-Key stands for."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, IndexModel

from app.documents import ConvexDocument


class IdempotencyRecord(ConvexDocument):
    """One key of one caller for one operation.

    ``_id`` is a SHA-256 of (operation, actor, key), so the unique ``_id``
    decides races between instances. ``fingerprint`` is a SHA-256 of the
    validated request without its secrets; ``resource_id`` is the ID the first
    request chose for what it creates, before creating it. ``purge_at`` only
    drives TTL clean-up.
    """

    operation: str
    actor: str
    fingerprint: str
    resource_id: str
    purge_at: datetime

    class Settings:
        name = "idempotency_keys"
        indexes = [
            IndexModel([("purge_at", ASCENDING)], name="by_expiry", expireAfterSeconds=0),
        ]
