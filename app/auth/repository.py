"""Queries on ``sessions`` and ``login_counters``.

Times are ms since the epoch (floats), as ``_creationTime``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.auth.models import LoginCounter, Session
from app.clock import ms_to_datetime
from app.documents import ID_FIELD, DuplicateKey, Page, Repository
from app.errors import SessionNotFound
from app.rows import LoginCounterRow, SessionRow

_ACTIVE = {"is_active": True}


class SessionsRepository(Repository[SessionRow]):
    model = Session
    table = "user_sessions"
    not_found = SessionNotFound
    hidden = ("token_hash",)

    async def find_valid(self, token_hash: str, now: float) -> SessionRow | None:
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

    async def active_page(
        self, user_id: str, now: float, *, limit: int, cursor: str | None
    ) -> Page[SessionRow]:
        """Active sessions, newest first, a keyset page on ``by_user``. Expiry
        is filtered after the query: the query (and so the cursor) must not
        change with the clock between pages."""
        page = await self.paginate(
            {"user_id": user_id, **_ACTIVE},
            order="desc",
            limit=limit,
            cursor=cursor,
            projection={"token_hash": 0},
        )
        live = [session for session in page.documents if session["expires_at"] > now]
        return Page(documents=live, continue_cursor=page.continue_cursor, is_done=page.is_done)

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


class LoginCountersRepository(Repository[LoginCounterRow]):
    """Login-attempt counters shared by every instance (atomic ``$inc``, TTL clean-up).

    One document per counted key (see ``app.auth.lockout``): ``_id`` is
    ``<kind>:<digest of the key>``, so a 60 kB email is never an ``_id``. A
    window opens at the first attempt and lasts ``window_ms``; ``locked_until``
    is always a number (0 = not locked) so every engine compares it alike.
    """

    model = LoginCounter

    async def reserve(
        self,
        counter_id: str,
        fields: Mapping[str, Any],
        limit: int,
        now: float,
        window_ms: float,
        keep_ms: float,
    ) -> LoginCounterRow | None:
        """Take one attempt of the open window before any password is hashed.

        None when taken; otherwise the counter that refused it (full or
        locked). The ``$inc`` only matches below the limit, so N concurrent
        reservations on any number of instances take at most ``limit``.
        """
        for _ in range(5):
            result = await self.collection.update_one(
                {
                    ID_FIELD: counter_id,
                    "window_start": {"$gt": now - window_ms},
                    "failures": {"$lt": limit},
                    "locked_until": {"$lte": now},
                },
                {"$inc": {"failures": 1}},
            )
            if result.matched_count:
                return None
            current = await self.find_one({ID_FIELD: counter_id})
            if current is not None and current["window_start"] > now - window_ms:
                if current["locked_until"] > now or current["failures"] >= limit:
                    return current
                continue  # another request opened the window meanwhile: take from it
            if current is not None and current["locked_until"] > now:
                return current
            # No open window: replace the stale counter with a fresh one. If
            # another instance just did the same, the insert collides on _id
            # and the reservation is tried again.
            await self.collection.delete_one(
                {
                    ID_FIELD: counter_id,
                    "window_start": {"$lte": now - window_ms},
                    "locked_until": {"$lte": now},
                }
            )
            try:
                await self.insert(
                    {
                        **fields,
                        "failures": 1,
                        "window_start": now,
                        "locked_until": 0.0,
                        "purge_at": ms_to_datetime(now + keep_ms),
                    },
                    doc_id=counter_id,
                )
                return None
            except DuplicateKey:
                continue
        # Five lost races in a row: the key is under heavy concurrent use.
        return await self.find_one({ID_FIELD: counter_id})

    async def release(self, counter_id: str) -> None:
        """Give back a reservation that did not end in a failure."""
        await self.collection.update_one(
            {ID_FIELD: counter_id, "failures": {"$gt": 0}}, {"$inc": {"failures": -1}}
        )

    async def failures(self, counter_id: str) -> int:
        counter = await self.find_one({ID_FIELD: counter_id}, {"failures": 1})
        return int(counter["failures"]) if counter else 0

    async def lock(self, counter_id: str, limit: int, now: float, until: float) -> bool:
        """Lock a full counter until ``until`` unless already locked; True when
        this call locked it. ``purge_at`` is not moved: the TTL index only
        removes a counter after ``keep_ms``, which covers window and lock."""
        result = await self.collection.update_one(
            {ID_FIELD: counter_id, "failures": {"$gte": limit}, "locked_until": {"$lte": now}},
            {"$set": {"locked_until": until}},
        )
        return bool(result.modified_count)

    async def reset(self, counter_id: str) -> None:
        """Back to no failures, in place: deleting the document instead made
        concurrent reservations race to re-create it (and give up)."""
        await self.collection.update_one(
            {ID_FIELD: counter_id}, {"$set": {"failures": 0, "locked_until": 0.0}}
        )

    async def for_email(self, email: str) -> list[LoginCounterRow]:
        """Every counter of one account (account-wide and per client address)."""
        return await self.find({"email": email}, sort=[("kind", 1), ("ip", 1)], limit=1000)

    async def delete_for_email(self, email: str) -> int:
        result = await self.collection.delete_many({"email": email})
        return int(result.deleted_count)
