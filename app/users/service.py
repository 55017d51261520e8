"""Rules for users: creation, patches, soft delete, search. No HTTP here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.audit.recorder import AuditRecorder, diff
from app.auth.service import AuthService, iso, normalize_email
from app.documents import DuplicateKey
from app.errors import EmailTaken
from app.security_events.recorder import ClientInfo
from app.users.models import SEARCH_TOKENS
from app.users.repository import PASSWORD_HASH, UsersRepository

RESOURCE = "users"


class UsersService:
    def __init__(self, users: UsersRepository, auth: AuthService, audit: AuditRecorder) -> None:
        self.users = users
        self.auth = auth
        self.audit = audit

    async def create(
        self, fields: dict[str, Any], *, password: str | None, actor: str, client: ClientInfo
    ) -> dict[str, Any]:
        """Insert a user; the unique index on email decides races (409)."""
        document = dict(fields)
        document["email"] = normalize_email(document["email"])
        document.setdefault("permissions", [])
        document.setdefault("isActive", True)
        document["createdAt"] = iso(datetime.now(UTC))
        from app.users.search import search_tokens  # TEMP

        document[SEARCH_TOKENS] = search_tokens(document["name"])
        if password is not None:
            document[PASSWORD_HASH] = await self.auth.passwords.hash(password)
        try:
            created = await self.users.insert(document)
        except DuplicateKey as exc:
            raise EmailTaken(details={"field": "email"}) from exc
        await self.audit.record(actor, "CREATE", RESOURCE, created["_id"], diff({}, created))
        return {k: v for k, v in created.items() if k not in self.users.hidden}

    async def ensure_admin(self, email: str, password: str) -> bool:
        """Create an active admin with this email unless one exists; True if created."""
        if await self.users.get_by_email(normalize_email(email)) is not None:
            return False
        try:
            await self.create(
                {
                    "name": "Administrator",
                    "email": email,
                    "role": "admin",
                    "permissions": ["users:manage"],
                    "isActive": True,
                },
                password=password,
                actor="system:bootstrap",
                client=ClientInfo(ip_address=None, user_agent=None),
            )
        except EmailTaken:
            return False  # another instance bootstrapped it first
        return True
