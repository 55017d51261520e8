"""Login, sessions, lockout and password changes: the rules, no HTTP."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.audit.recorder import AuditRecorder, diff
from app.auth.lockout import Attempt, Lockout
from app.auth.models import LockoutState
from app.auth.repository import LoginCountersRepository, SessionsRepository
from app.clock import iso, ms_to_datetime, now_ms
from app.config import Settings
from app.deadline import database_deadline
from app.errors import (
    AccountInactive,
    InvalidCredentials,
    InvalidCurrentPassword,
    SessionNotFound,
    UserNotFound,
    ValidationError,
)
from app.security.password_policy import check_new_password
from app.security.passwords import (
    INTERNAL_CLIENT,
    Passwords,
    Verification,
    check_password_input,
)
from app.security.principal import Caller, ClientInfo, Principal
from app.security.tokens import MAX_TOKEN_LENGTH, hash_token, new_public_id, new_token
from app.security_events.recorder import SecurityEventRecorder
from app.users.emails import normalize_email
from app.users.repository import UsersRepository


@dataclass(frozen=True)
class LoginResult:
    user: dict[str, Any]
    session_id: str
    token: str
    expires_at: datetime
    max_age_seconds: int


class AuthService:
    def __init__(
        self,
        settings: Settings,
        users: UsersRepository,
        sessions: SessionsRepository,
        counters: LoginCountersRepository,
        passwords: Passwords,
        events: SecurityEventRecorder,
        audit: AuditRecorder,
    ) -> None:
        self.settings = settings
        self.users = users
        self.sessions = sessions
        self.counters = counters
        self.passwords = passwords
        self.events = events
        self.audit = audit
        self.lockout = Lockout(settings, counters, events)
        self.deadline_seconds = settings.request_timeout_ms / 1000
        self.touch_ms = settings.session_touch_seconds * 1000.0

    # --- credentials ------------------------------------------------------------

    async def check_credentials(
        self, email: str, password: str, client: ClientInfo
    ) -> dict[str, Any]:
        """Reserve an attempt → lookup → verify (dummy when unknown) → isActive;
        the user on success.

        The attempt is reserved on the lockout counters before any hashing
        (``app.auth.lockout``), so concurrent guesses cannot outrun the limits.
        Upgrades a legacy or outdated hash to current argon2id as a
        compare-and-swap, so a concurrent password change wins.
        """
        email = normalize_email(email)
        check_password_input(password)
        with self.passwords.admit(client.ip_address or INTERNAL_CLIENT) as turn:
            with self._database():
                attempt = await self.lockout.begin(email, client, now_ms())
            try:
                with self._database():
                    user = await self.users.get_by_email(email, include_hidden=True)
                stored_hash = user.get("passwordHash") if user else None
                if user is None or not stored_hash:
                    await self.passwords.dummy_verify(password, turn)
                    verification = Verification(ok=False)
                else:
                    verification = await self.passwords.verify(stored_hash, password, turn)
            except BaseException:  # overload, outage or disconnect: no verdict
                with self._database():
                    await self.lockout.abandon(attempt)
                raise
            with self._database():
                await self._settle(attempt, verification, user, client)
            if verification.needs_rehash:
                assert user is not None and stored_hash is not None
                new_hash = await self.passwords.hash(password, turn)
                with self._database():
                    await self.users.replace_password_hash(user["_id"], stored_hash, new_hash)
        assert user is not None
        return user

    def _database(self) -> AbstractContextManager[object]:
        """One database phase of a password check: the hash between phases
        does not spend their deadline (``app.deadline``)."""
        return database_deadline(self.deadline_seconds)

    async def _settle(
        self,
        attempt: Attempt,
        verification: Verification,
        user: dict[str, Any] | None,
        client: ClientInfo,
    ) -> None:
        """Count the verdict; raise unless the password is right and the account active."""
        email = attempt.email
        user_id = user["_id"] if user else None
        if not verification.ok:
            remaining = await self.lockout.failed(attempt, client, user_id)
            await self._login_failure(client, user_id, email, "invalid_credentials")
            raise InvalidCredentials(details={"remainingAttempts": remaining})
        await self.lockout.succeeded(attempt)
        if user is None or not user.get("isActive", False):
            await self._login_failure(client, user_id, email, "account_inactive")
            raise AccountInactive()

    async def _login_failure(
        self, client: ClientInfo, user_id: str | None, email: str, reason: str
    ) -> None:
        await self.events.record(
            "login_failure",
            "medium",
            client,
            user_id=user_id,
            details={"email": email, "reason": reason},
        )

    async def lockout_state(self, user_id: str) -> LockoutState:
        user = await self.users.require(user_id)
        return await self.lockout.state(user["email"], now_ms())

    async def unlock(self, user_id: str, by: Caller) -> int:
        """Clear every login counter of the account (all addresses); audited."""
        user = await self.users.require(user_id)
        cleared = await self.lockout.clear(user["email"])
        await self.events.record(
            "account_unlocked",
            "medium",
            by.client,
            user_id=user["_id"],
            details={"by": by.actor, "counters": cleared},
        )
        await self.audit.record(by.actor, "UNLOCK", "users", user["_id"], None)
        return cleared

    # --- sessions --------------------------------------------------------------

    async def login(
        self, email: str, password: str, remember_me: bool, client: ClientInfo
    ) -> LoginResult:
        user = await self.check_credentials(email, password, client)
        with self._database():
            return await self._open_session(user, remember_me, client)

    async def _open_session(
        self, user: dict[str, Any], remember_me: bool, client: ClientInfo
    ) -> LoginResult:
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
            "login_success",
            "low",
            client,
            user_id=user["_id"],
            details={"sessionId": session["session_id"], "rememberMe": remember_me},
        )
        fresh = await self.users.require(user["_id"])
        return LoginResult(
            user=fresh,
            session_id=session["session_id"],
            token=token,
            expires_at=ms_to_datetime(expires_at),
            max_age_seconds=int(lifetime.total_seconds()),
        )

    async def resolve_session(self, token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(session, user) for a live session of an active user, else None."""
        now = now_ms()
        session = await self.sessions.find_valid(hash_token(token), now)
        if session is None:
            return None
        user = await self.users.get(session["user_id"])
        if user is None or not user.get("isActive", False):
            return None
        if session["last_activity"] <= now - self.touch_ms:
            await self.sessions.touch(session["session_id"], now, self.touch_ms)
        return session, user

    async def logout(self, token: str, client: ClientInfo) -> None:
        """End the session of this token, if it is a live one (a service token,
        an expired or unknown one: nothing to end)."""
        resolved = await self.resolve_session(token) if len(token) <= MAX_TOKEN_LENGTH else None
        if resolved is None:
            return
        session, user = resolved
        await self.sessions.revoke(user["_id"], session["session_id"], now_ms(), "logout")
        await self.events.record(
            "logout",
            "low",
            client,
            user_id=user["_id"],
            details={"sessionId": session["session_id"]},
        )

    async def list_sessions(self, user_id: str) -> list[dict[str, Any]]:
        return await self.sessions.list_active(user_id, now_ms())

    async def revoke_session(
        self, user_id: str, session_id: str, client: ClientInfo, *, actor: str
    ) -> None:
        revoked = await self.sessions.revoke(user_id, session_id, now_ms(), "revoked")
        if not revoked:
            raise SessionNotFound()
        await self.events.record(
            "session_revoked",
            "medium",
            client,
            user_id=user_id,
            details={"sessionId": session_id, "by": actor},
        )

    async def revoke_all_sessions(
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
                "session_revoked",
                "medium",
                client,
                user_id=user_id,
                details={"count": count, "reason": reason, "by": actor},
            )
        return count

    # --- passwords ---------------------------------------------------------------

    async def change_password(
        self, principal: Principal, current: str, new: str, client: ClientInfo
    ) -> None:
        """Verify the current password (lockout applies), store the new hash,
        revoke the caller's other sessions."""
        assert principal.user is not None
        check_new_password(new, "newPassword")
        try:
            user = await self.check_credentials(principal.user["email"], current, client)
        except InvalidCredentials as exc:
            # Still counted by the lockout: a stolen session must not become a
            # way to guess the password.
            raise InvalidCurrentPassword(
                details=[{"field": "currentPassword", "message": "is not the current password"}]
            ) from exc
        if current == new:
            raise ValidationError.field("newPassword", "must differ from the current password")
        await self.set_password(user, new, client, actor=principal.actor, keep=principal.session_id)

    async def set_password(
        self,
        user: dict[str, Any],
        password: str,
        client: ClientInfo,
        *,
        actor: str,
        keep: str | None = None,
    ) -> None:
        """Store a new argon2id hash and revoke the user's sessions (but ``keep``)."""
        new_hash = await self.passwords.hash(password, client.ip_address or INTERNAL_CLIENT)
        with self._database():
            await self._store_password(user, new_hash, client, actor=actor, keep=keep)

    async def _store_password(
        self,
        user: dict[str, Any],
        new_hash: str,
        client: ClientInfo,
        *,
        actor: str,
        keep: str | None,
    ) -> None:
        now = datetime.now(UTC)
        if not await self.users.set_fields(
            user["_id"], {"passwordHash": new_hash, "updatedAt": iso(now)}
        ):
            raise UserNotFound()
        await self.revoke_all_sessions(
            user["_id"], "password_change", client, actor=actor, except_session_id=keep
        )
        await self.events.record(
            "password_change", "medium", client, user_id=user["_id"], details={"by": actor}
        )
        await self.audit.record(
            actor,
            "UPDATE",
            "users",
            user["_id"],
            diff({"passwordHash": user.get("passwordHash")}, {"passwordHash": new_hash}),
        )
