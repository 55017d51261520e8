"""Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header): a retried
create returns what the first attempt created instead of creating twice.

A 503 does not tell the caller whether its write was applied (the database
may have applied it after the deadline), so callers retry with the same key.
The first request with a key stores which resource it will create, and its
ID, before creating it; every retry with that key creates (if the first
attempt never got that far) or returns that same resource. Keys belong to
one caller and one operation and are kept for at least ``KEY_TTL``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from app.errors import AppError, ErrorCode
from app.field_problems import FieldError, FieldProblem
from app.idempotency.repository import IdempotencyRepository

KEY_TTL = timedelta(hours=24)
# What a key may look like: visible ASCII, as HTTP header values and UUIDs are.
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
HEADER = "Idempotency-Key"


class IdempotencyKeyReused(AppError, code=ErrorCode.IDEMPOTENCY_KEY_REUSED, status=422):
    """The key was first used for a different request (the draft's 422)."""

    def __init__(self) -> None:
        super().__init__(details=[FieldError(HEADER, FieldProblem.KEY_REUSED)])


def fingerprint(request: Mapping[str, Any]) -> str:
    """SHA-256 of the validated request (key order does not matter). Callers
    leave secrets out: a fast hash of a password would be a weak password hash."""
    return hashlib.sha256(msgspec.json.encode(request, order="sorted")).hexdigest()


class IdempotencyKeys:
    def __init__(self, repository: IdempotencyRepository) -> None:
        self.repository = repository

    async def resource_id(
        self, operation: str, actor: str, key: str, request_fingerprint: str, new_id: str
    ) -> str:
        """The ID the first request with this key chose (``new_id``, a fresh ID
        of the resource's table, if it is the first); 422 when the key was used
        for a different request."""
        record_id = hashlib.sha256(f"{operation}\n{actor}\n{key}".encode()).hexdigest()
        stored = await self.repository.claim(
            record_id,
            {
                "operation": operation,
                "actor": actor,
                "fingerprint": request_fingerprint,
                "resource_id": new_id,
                "purge_at": datetime.now(UTC) + KEY_TTL,
            },
        )
        if stored["fingerprint"] != request_fingerprint:
            raise IdempotencyKeyReused()
        return str(stored["resource_id"])
