"""POST /api/users with an Idempotency-Key: safe to retry after a 503 or a lost answer."""

from __future__ import annotations

from typing import Any

from app.errors import EmailTaken
from app.idempotency.service import IdempotencyKeyReused, IdempotencyKeys, fingerprint
from app.rows import UserRow
from app.security.principal import Caller
from app.users.repository import PASSWORD_HASH
from app.users.service import UsersService

OPERATION = "users.create"


class IdempotentUserCreation:
    def __init__(self, users: UsersService, keys: IdempotencyKeys) -> None:
        self.users = users
        self.keys = keys

    async def create(
        self, fields: dict[str, Any], *, password: str | None, by: Caller, key: str
    ) -> tuple[UserRow, bool]:
        """The created user and whether it was created by an earlier request.

        Every request with the key creates the user under the one ID the first
        chose, so of two concurrent ones the unique ``_id`` lets one insert and
        the other finds its user. The password is not in the fingerprint; a
        retry's password is checked against the created user's own hash.
        """
        user_id = await self.keys.resource_id(
            OPERATION,
            by.actor,
            key,
            fingerprint({**fields, "password": password is not None}),
            self.users.users.new_id(),
        )
        existing = await self.users.users.get(user_id, include_hidden=True)
        if existing is None:
            try:
                return await self.users.create(
                    fields, password=password, by=by, doc_id=user_id
                ), False
            except EmailTaken:
                existing = await self.users.users.get(user_id, include_hidden=True)
                if existing is None:
                    raise  # the email belongs to another user
        if password is not None:
            verification = await self.users.passwords.verify(
                existing.get(PASSWORD_HASH) or "", password
            )
            if not verification.ok:
                raise IdempotencyKeyReused()
        return self.users.users.public(existing), True
