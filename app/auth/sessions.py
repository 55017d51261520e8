"""Sign-in and server-side sessions: login, the check on every request,
logout and revocation. No HTTP here."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.auth.credentials import Credentials
from app.auth.repository import SessionsRepository
from app.auth.session_index import SessionIndex, SessionKeys
from app.clock import iso, ms_to_datetime, now_ms
from app.config import Settings
from app.documents import Page
from app.errors import SessionNotFound
from app.rows import SessionRow, UserRow
from app.security.principal import Caller, ClientInfo
from app.security.tokens import MAX_TOKEN_LENGTH, hash_token, new_public_id, new_token
from app.security_events.models import EventType
from app.security_events.recorder import SecurityEventRecorder
from app.users.repository import UsersRepository


@dataclass(frozen=True)
class LoginResult:
    user: UserRow
    session_id: str
    token: str
    expires_at: datetime
    max_age_seconds: int


@dataclass(eq=False)
class SessionService:
    settings: Settings
    users: UsersRepository
    sessions: SessionsRepository
    credentials: Credentials
    events: SecurityEventRecorder
    index: SessionIndex = field(default_factory=SessionIndex)

    @property
    def touch_ms(self) -> float:
        return self.settings.session_touch_seconds * 1000.0

    async def login(
        self, email: str, password: str, remember_me: bool, client: ClientInfo
    ) -> LoginResult:
        user = await self.credentials.check(email, password, client)
        with self.credentials.phase():
            return await self._open(user, remember_me, client)

    async def _open(self, user: UserRow, remember_me: bool, client: ClientInfo) -> LoginResult:
        now = now_ms()
        lifetime = (
            timedelta(days=self.settings.remember_me_days)
            if remember_me
            else timedelta(hours=self.settings.session_ttl_hours)
        )
        expires_at = now + lifetime.total_seconds() * 1000
        token = new_token()
        session = await self.sessions.insert(
            {
                "user_id": user["_id"],
                "session_id": new_public_id(),
                "token_hash": hash_token(token),
                "ip_address": client.ip_address,
                "user_agent": (client.user_agent or "")[:512] or None,
                "created_at": now,
                "last_activity": now,
                "expires_at": expires_at,
                "is_active": True,
                "purge_at": ms_to_datetime(expires_at),
            }
        )
        await self.users.set_fields(user["_id"], {"lastLogin": iso(ms_to_datetime(now))})
        await self.events.record(
            EventType.LOGIN_SUCCESS,
            client,
            user_id=user["_id"],
            details={"sessionId": session["session_id"], "rememberMe": remember_me},
        )
        return LoginResult(
            user=await self.users.require(user["_id"]),
            session_id=session["session_id"],
            token=token,
            expires_at=ms_to_datetime(expires_at),
            max_age_seconds=int(lifetime.total_seconds()),
        )

    def knows(self, token: str) -> bool:
        """Whether this process has seen ``token`` as a session's (valid or not now)."""
        return self.index.get(hash_token(token)) is not None

    async def resolve(self, token: str) -> tuple[SessionRow, UserRow] | None:
        """(session, user) for a live session of an active user, else None.

        Both documents are read on every call (revocation, expiry and
        ``isActive`` count at once, on every instance); a token seen before
        reads them by ``_id``, together with concurrent requests' reads."""
        now = now_ms()
        token_hash = hash_token(token)
        keys = self.index.get(token_hash)
        if keys is None:
            found = await self.sessions.find_valid(token_hash, now)
            if found is None:
                return None
            self.index.remember(token_hash, SessionKeys(found["_id"], found["user_id"]))
            session, user = found, await self.users.get(found["user_id"])
        else:
            read, user = await asyncio.gather(
                self.sessions.get_soon(keys.session_id), self.users.get_soon(keys.user_id)
            )
            if read is None or not _live(read, keys.user_id, now):
                if read is None or not read["is_active"]:
                    self.index.forget(token_hash)  # it will never be valid again
                return None
            session = read
        if user is None or not user.get("isActive", False):
            return None
        if session["last_activity"] <= now - self.touch_ms:
            await self.sessions.touch(session["session_id"], now, self.touch_ms)
        return session, user

    async def logout(self, token: str, client: ClientInfo) -> None:
        """End the session of this token, if it is a live one (a service token,
        an expired or unknown one: nothing to end)."""
        resolved = await self.resolve(token) if len(token) <= MAX_TOKEN_LENGTH else None
        if resolved is None:
            return
        session, user = resolved
        await self.sessions.revoke(user["_id"], session["session_id"], now_ms(), "logout")
        await self.events.record(
            EventType.LOGOUT,
            client,
            user_id=user["_id"],
            details={"sessionId": session["session_id"]},
        )

    async def active(self, user_id: str, *, limit: int, cursor: str | None) -> Page[SessionRow]:
        return await self.sessions.active_page(user_id, now_ms(), limit=limit, cursor=cursor)

    async def active_of_user(
        self, user_id: str, *, limit: int, cursor: str | None
    ) -> Page[SessionRow]:
        """An admin's view: 404 for a user that does not exist."""
        user = await self.users.require(self.users.parse_id(user_id))
        return await self.active(user["_id"], limit=limit, cursor=cursor)

    async def revoke(
        self, user_id: str, session_id: str, client: ClientInfo, *, actor: str
    ) -> None:
        revoked = await self.sessions.revoke(user_id, session_id, now_ms(), "revoked")
        if not revoked:
            raise SessionNotFound()
        await self.events.record(
            EventType.SESSION_REVOKED,
            client,
            user_id=user_id,
            details={"sessionId": session_id, "by": actor},
        )

    async def revoke_all(
        self,
        user_id: str,
        reason: str,
        client: ClientInfo,
        *,
        actor: str,
        except_session_id: str | None = None,
    ) -> int:
        count = await self.sessions.revoke_all(
            user_id, now_ms(), reason, except_session_id=except_session_id
        )
        if count:
            await self.events.record(
                EventType.SESSION_REVOKED,
                client,
                user_id=user_id,
                details={"count": count, "reason": reason, "by": actor},
            )
        return count

    async def revoke_all_of_user(self, user_id: str, by: Caller) -> int:
        """An admin ends every session of a user (404 for an unknown user)."""
        user = await self.users.require(self.users.parse_id(user_id))
        return await self.revoke_all(user["_id"], "revoked_by_admin", by.client, actor=by.actor)


def _live(session: SessionRow, user_id: str, now: float) -> bool:
    """What ``find_valid`` asks of a session, checked on one read by ``_id``."""
    return (
        session["is_active"] is True
        and session["expires_at"] > now
        and session["user_id"] == user_id
    )
