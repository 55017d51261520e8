"""Password checks under the lockout: login, the internal verify and a
password change all pass through ``Credentials.check``. No HTTP here."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from app.audit.recorder import AuditRecorder
from app.auth.lockout import Attempt, Lockout, outcome_of
from app.auth.models import LockoutState
from app.auth.repository import LoginCountersRepository
from app.clock import now_ms
from app.config import Settings
from app.deadline import database_deadline
from app.errors import AccountInactive, InvalidCredentials
from app.metrics import PASSWORD_CHECKS, Purpose
from app.rows import UserRow
from app.security.passwords import INTERNAL_CLIENT, Passwords, Verification, check_password_input
from app.security.principal import Caller, ClientInfo
from app.security_events.models import EventType
from app.security_events.recorder import SecurityEventRecorder
from app.users.emails import normalize_email
from app.users.repository import UsersRepository


@dataclass(eq=False)
class Credentials:
    settings: Settings
    users: UsersRepository
    counters: LoginCountersRepository
    passwords: Passwords
    events: SecurityEventRecorder
    audit: AuditRecorder
    lockout: Lockout = field(init=False)

    def __post_init__(self) -> None:
        self.lockout = Lockout(self.settings, self.counters, self.events)

    def phase(self) -> AbstractContextManager[object]:
        """One database phase of a password check: the hash between phases
        does not spend their deadline (``app.deadline``)."""
        return database_deadline(self.settings.request_timeout_ms / 1000)

    async def check(
        self, email: str, password: str, client: ClientInfo, purpose: Purpose = "login"
    ) -> UserRow:
        """``_check``, counted by outcome (``app.metrics``)."""
        try:
            user = await self._check(email, password, client, purpose)
        except (InvalidCredentials, AccountInactive):
            raise  # counted by _settle, which knows why
        except BaseException as exc:
            PASSWORD_CHECKS.labels(purpose, outcome_of(exc)).inc()
            raise
        PASSWORD_CHECKS.labels(purpose, "success").inc()
        return user

    async def _check(
        self, email: str, password: str, client: ClientInfo, purpose: Purpose
    ) -> UserRow:
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
            with self.phase():
                attempt = await self.lockout.begin(email, client, now_ms())
            try:
                with self.phase():
                    user = await self.users.get_by_email(email, include_hidden=True)
                stored_hash = user.get("passwordHash") if user else None
                if user is None or not stored_hash:
                    await self.passwords.dummy_verify(password, turn)
                    verification = Verification(ok=False)
                else:
                    verification = await self.passwords.verify(stored_hash, password, turn)
            except BaseException:  # overload, outage or disconnect: no verdict
                with self.phase():
                    await self.lockout.abandon(attempt)
                raise
            with self.phase():
                await self._settle(attempt, verification, user, client, purpose)
            if verification.needs_rehash:
                assert user is not None and stored_hash is not None
                new_hash = await self.passwords.hash(password, turn)
                with self.phase():
                    await self.users.replace_password_hash(user["_id"], stored_hash, new_hash)
        assert user is not None
        return user

    async def _settle(
        self,
        attempt: Attempt,
        verification: Verification,
        user: UserRow | None,
        client: ClientInfo,
        purpose: Purpose,
    ) -> None:
        """Count the verdict; raise unless the password is right and the account active."""
        email = attempt.email
        user_id = user["_id"] if user else None
        if not verification.ok:
            PASSWORD_CHECKS.labels(purpose, "wrong_password" if user else "unknown_user").inc()
            remaining = await self.lockout.failed(attempt, client, user_id)
            await self._login_failure(client, user_id, email, "invalid_credentials")
            raise InvalidCredentials(details={"remainingAttempts": remaining})
        await self.lockout.succeeded(attempt)
        if user is None or not user.get("isActive", False):
            PASSWORD_CHECKS.labels(purpose, "inactive").inc()
            await self._login_failure(client, user_id, email, "account_inactive")
            raise AccountInactive()

    async def _login_failure(
        self, client: ClientInfo, user_id: str | None, email: str, reason: str
    ) -> None:
        await self.events.record(
            EventType.LOGIN_FAILURE,
            client,
            user_id=user_id,
            details={"email": email, "reason": reason},
        )

    # --- the lockout, seen by an admin -------------------------------------------

    async def lockout_state(self, user_id: str) -> LockoutState:
        user = await self.users.require(self.users.parse_id(user_id))
        return await self.lockout.state(user["email"], now_ms())

    async def unlock(self, user_id: str, by: Caller) -> int:
        """Clear every login counter of the account (all addresses); audited."""
        return await self._unlock(await self.users.require(self.users.parse_id(user_id)), by)

    async def unlock_email(self, email: str, by: Caller) -> int:
        return await self._unlock(await self.users.require_email(normalize_email(email)), by)

    async def _unlock(self, user: UserRow, by: Caller) -> int:
        cleared = await self.lockout.clear(user["email"])
        await self.events.record(
            EventType.ACCOUNT_UNLOCKED,
            by.client,
            user_id=user["_id"],
            details={"by": by.actor, "counters": cleared},
        )
        await self.audit.record(by.actor, "UNLOCK", "users", user["_id"], None)
        return cleared
