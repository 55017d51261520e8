"""Queries on ``sessions`` and ``login_counters``.

Times are ms since the epoch (floats), as ``_creationTime``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.auth.models import LoginCounter, Session
from app.documents import DuplicateKey, PatchRules, Repository

_ACTIVE = {"is_active": True}


def ms_to_datetime(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class SessionsRepository(Repository):
    model = Session
    not_found_code = "SESSION_NOT_FOUND"
    hidden = ("token_hash",)
    booleans = ("is_active",)
    rules = PatchRules(required=frozenset(), optional=frozenset())

    async def find_valid(self, token_hash: str, now: float) -> dict[str, Any] | None:
        """The active, unexpired session with this token hash (expiry is checked
        here, never left to the TTL monitor)."""
        return await self.find_one(
            {"token_hash": token_hash, **_ACTIVE, "expires_at": {"$gt": now}}, {"token_hash": 0}
        )

    async def touch(self, session_id: str, now: float, every_ms: float) -> None:
        """Refresh ``last_activity`` at most once per ``every_ms``: the filter makes
        concurrent requests write once."""
        await self.collection.update_one(
            {"session_id": session_id, "last_activity": {"$lte": now - every_ms}},
            {"$set": {"last_activity": now}},
        )

    async def list_active(self, user_id: str, now: float) -> list[dict[str, Any]]:
        return await self.find(
            {"user_id": user_id, **_ACTIVE, "expires_at": {"$gt": now}},
            {"token_hash": 0},
            sort=[("_creationTime", -1)],
            limit=1000,
        )

    async def revoke(self, user_id: str, session_id: str, now: float, reason: str) -> bool:
        result = await self.collection.update_one(
            {"user_id": user_id, "session_id": session_id, **_ACTIVE},
            {"$set": {"is_active": False, "revoked_at": now, "revocation_reason": reason}},
        )
        return bool(result.modified_count)

    async def revoke_all(
        self, user_id: str, now: float, reason: str, *, except_session_id: str | None = None
    ) -> int:
        query: dict[str, Any] = {"user_id": user_id, **_ACTIVE}
        if except_session_id is not None:
            query["session_id"] = {"$ne": except_session_id}
        result = await self.collection.update_many(
            query, {"$set": {"is_active": False, "revoked_at": now, "revocation_reason": reason}}
        )
        return int(result.modified_count)


class LoginCountersRepository(Repository):
    """Failed-login counters shared by every instance (atomic ``$inc``, TTL clean-up).

    One document per account or client IP: ``_id`` is ``<kind>:<key>``. A
    window opens at the first failure and lasts ``window_ms``.
    """

    model = LoginCounter
    rules = PatchRules(required=frozenset(), optional=frozenset())

    @staticmethod
    def counter_id(kind: str, key: str) -> str:
        return f"{kind}:{key}"

    async def current(self, kind: str, key: str) -> dict[str, Any] | None:
        return await self.get(self.counter_id(kind, key))

    async def add_failure(
        self, kind: str, key: str, now: float, window_ms: float, keep_ms: float
    ) -> dict[str, Any]:
        """Count one failure in the open window, or open a new one; returns the counter.

        ``keep_ms`` is how long the counter must outlive its window start (window
        plus any lockout) before TTL may remove it.
        """
        counter_id = self.counter_id(kind, key)
        for _ in range(5):
            result = await self.collection.update_one(
                {"_id": counter_id, "window_start": {"$gt": now - window_ms}},
                {"$inc": {"failures": 1}},
            )
            if result.matched_count:
                break
            # No open window: replace the stale counter with a fresh one. If
            # another instance just did the same, the insert collides on _id
            # and the $inc above is tried again.
            await self.collection.delete_one(
                {"_id": counter_id, "window_start": {"$lte": now - window_ms}}
            )
            try:
                await self.insert(
                    {
                        "kind": kind,
                        "key": key,
                        "failures": 1,
                        "window_start": now,
                        "purge_at": ms_to_datetime(now + keep_ms),
                    },
                    doc_id=counter_id,
                )
                break
            except DuplicateKey:
                continue
        counter = await self.get(counter_id)
        assert counter is not None  # written just above
        return counter

    async def lock(self, kind: str, key: str, now: float, until: float) -> bool:
        """Lock until ``until`` unless already locked; True when this call locked it."""
        result = await self.collection.update_one(
            {
                "_id": self.counter_id(kind, key),
                "$or": [{"locked_until": {"$exists": False}}, {"locked_until": {"$lte": now}}],
            },
            {"$set": {"locked_until": until}},
        )
        return bool(result.modified_count)

    async def clear(self, kind: str, key: str) -> None:
        await self.collection.delete_one({"_id": self.counter_id(kind, key)})
