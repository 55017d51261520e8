"""Changing a password: by its owner (who proves the current one) or by an
admin. Either way the other sessions end. No HTTP here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.audit.recorder import AuditRecorder, diff
from app.auth.credentials import Credentials
from app.auth.sessions import SessionService
from app.clock import iso
from app.errors import InvalidCredentials, InvalidCurrentPassword, UserNotFound, ValidationError
from app.field_problems import FieldError, FieldProblem
from app.rows import UserRow
from app.security.password_policy import check_new_password
from app.security.passwords import INTERNAL_CLIENT, Passwords
from app.security.principal import Caller, ClientInfo, Principal
from app.security_events.models import EventType
from app.security_events.recorder import SecurityEventRecorder
from app.users.repository import PASSWORD_HASH, UsersRepository


@dataclass(eq=False)
class PasswordChanges:
    users: UsersRepository
    credentials: Credentials
    sessions: SessionService
    passwords: Passwords
    events: SecurityEventRecorder
    audit: AuditRecorder

    async def change_own(
        self, principal: Principal, current: str, new: str, client: ClientInfo
    ) -> None:
        """Verify the current password (lockout applies), store the new hash,
        revoke the caller's other sessions."""
        assert principal.user is not None
        check_new_password(new, "newPassword")
        try:
            user = await self.credentials.check(
                principal.user["email"], current, client, purpose="password_change"
            )
        except InvalidCredentials as exc:
            # Still counted by the lockout: a stolen session must not become a
            # way to guess the password.
            raise InvalidCurrentPassword(
                details=[FieldError("currentPassword", FieldProblem.WRONG_PASSWORD)]
            ) from exc
        if current == new:
            raise ValidationError.field("newPassword", FieldProblem.SAME_PASSWORD)
        await self._set(user, new, client, actor=principal.actor, keep=principal.session_id)

    async def set_by_admin(self, user_id: str, password: str, by: Caller) -> None:
        """An admin sets the password; every session of the user ends."""
        check_new_password(password)
        user = await self.users.require(self.users.parse_id(user_id), include_hidden=True)
        await self._set(user, password, by.client, actor=by.actor, keep=None)

    async def store_legacy_hash(self, user_id: str, password_hash: str, by: Caller) -> None:
        """Store a hash made elsewhere (the panel's bcryptjs; the caller checked
        its form); it becomes argon2id at the first login. Every session ends."""
        user = await self.users.require(self.users.parse_id(user_id), include_hidden=True)
        await self._store(user, password_hash, by.client, actor=by.actor, keep=None)

    async def _set(
        self, user: UserRow, password: str, client: ClientInfo, *, actor: str, keep: str | None
    ) -> None:
        new_hash = await self.passwords.hash(password, client.ip_address or INTERNAL_CLIENT)
        with self.credentials.phase():
            await self._store(user, new_hash, client, actor=actor, keep=keep)

    async def _store(
        self, user: UserRow, new_hash: str, client: ClientInfo, *, actor: str, keep: str | None
    ) -> None:
        if not await self.users.set_fields(
            user["_id"], {PASSWORD_HASH: new_hash, "updatedAt": iso(datetime.now(UTC))}
        ):
            raise UserNotFound()
        await self.sessions.revoke_all(
            user["_id"], "password_change", client, actor=actor, except_session_id=keep
        )
        await self.events.record(
            EventType.PASSWORD_CHANGE, client, user_id=user["_id"], details={"by": actor}
        )
        await self.audit.record(
            actor,
            "UPDATE",
            "users",
            user["_id"],
            diff({PASSWORD_HASH: user.get(PASSWORD_HASH)}, {PASSWORD_HASH: new_hash}),
        )
