"""How long security events and audit logs are kept: a TTL index on the date
each document was written (``occurred_at``, ``timestamp``).

TTL is clean-up only: MongoDB removes expired documents about once a minute,
the stand-in engines on their own schedules; nothing reads an expired
document as meaningful. A changed setting is applied to the existing index
with ``collMod`` (MongoDB); where the server cannot change it, a warning says
so and the old retention stays.
"""

from __future__ import annotations

import logging

from pymongo import ASCENDING
from pymongo.errors import OperationFailure, PyMongoError

from app.config import Settings
from app.db import Database

logger = logging.getLogger("app.retention")

INDEX_NAME = "by_retention"
# MongoDB: IndexOptionsConflict (85) / IndexKeySpecsConflict (86) when an index
# on the same key exists with another expireAfterSeconds.
_CONFLICT_CODES = frozenset({85, 86})


def retention_rules(settings: Settings) -> list[tuple[str, str, int]]:
    """(collection, date field, seconds) for each collection with a retention."""
    day = 86_400
    return [
        ("security_events", "occurred_at", settings.security_event_retention_days * day),
        ("audit_logs", "timestamp", settings.audit_log_retention_days * day),
    ]


async def ensure_retention(database: Database, settings: Settings) -> None:
    for name, field, seconds in retention_rules(settings):
        collection = database.collection(name)
        try:
            await collection.create_index(
                [(field, ASCENDING)], name=INDEX_NAME, expireAfterSeconds=seconds
            )
        except OperationFailure as exc:
            if exc.code not in _CONFLICT_CODES:
                raise
            try:
                await database.database.command(
                    "collMod",
                    name,
                    index={"keyPattern": {field: 1}, "expireAfterSeconds": seconds},
                )
            except PyMongoError as failure:
                logger.warning(
                    "%s: retention index not changed to %s s (%s); the previous one stays",
                    name,
                    seconds,
                    failure,
                )
