"""Rules for users: create, get, list, search, patch, soft delete. No HTTP here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from app.audit.models import AuditAction
from app.audit.recorder import AuditRecorder, diff
from app.clock import iso
from app.documents import CursorCodec, DuplicateKey, Page, query_fingerprint
from app.errors import EmailTaken, UserNotFound, ValidationError
from app.field_problems import FieldError, FieldProblem
from app.rows import UserRow
from app.security.guards import ADMIN
from app.security.password_policy import check_new_password
from app.security.passwords import INTERNAL_CLIENT, Passwords
from app.security.principal import Caller, ClientInfo
from app.security_events.models import EventType
from app.security_events.recorder import SecurityEventRecorder
from app.users.emails import normalize_email
from app.users.filters import UserFilters
from app.users.models import SEARCH_TOKENS
from app.users.ports import SessionEnder
from app.users.privileges import (
    MANAGERS_LOCK,
    LastAdmin,
    LeaseLock,
    SelfDeactivation,
    after_patch,
    manages,
    privileged_fields,
    touches_rights,
)
from app.users.ranked_search import RankedSearch, served_entry
from app.users.repository import PASSWORD_HASH, UsersRepository
from app.users.search import parse_query, search_tokens
from app.users.search_pages import SearchPages, UserPage

RESOURCE = "users"
BOOTSTRAP = Caller(actor="system:bootstrap", client=ClientInfo(ip_address=None, user_agent=None))


@dataclass(eq=False, kw_only=True)
class UsersService:
    users: UsersRepository
    passwords: Passwords
    sessions: SessionEnder
    events: SecurityEventRecorder
    audit: AuditRecorder
    cursors: CursorCodec
    role_permissions: Mapping[str, list[str]]
    # The users' search entries in ranking order, kept in step with ``name``.
    ranked: RankedSearch
    managers_lock: LeaseLock = field(init=False)
    pages: SearchPages = field(init=False)

    def __post_init__(self) -> None:
        self.managers_lock = LeaseLock(self.users.database, MANAGERS_LOCK)
        self.pages = SearchPages(self.users, self.cursors, self.ranked)

    # --- reads -----------------------------------------------------------------------

    async def get(self, user_id: str) -> UserRow:
        return await self.users.require(self.users.parse_id(user_id))

    async def get_many(self, ids: list[str]) -> list[UserRow | None]:
        return await self.users.get_many([self.users.parse_id(user_id) for user_id in ids])

    async def get_by_email(self, email: str) -> UserRow:
        return await self.users.require_email(normalize_email(email))

    async def list_users(
        self,
        filters: UserFilters,
        *,
        order: Literal["asc", "desc"],
        limit: int,
        cursor: str | None,
        with_total: bool,
    ) -> UserPage:
        """Keyset pages over (``_creationTime``, ``_id``). The total is counted on
        the first page only and carried in the cursors of the later ones."""
        query = self.users.filter_query(self._normalized(filters))
        fingerprint = query_fingerprint("users.total", query, order)
        total: int | None = None
        if cursor:
            inner, total = self._unwrap_total(fingerprint, cursor)
        else:
            inner = None
        page = await self.users.paginate(query, order=order, limit=limit, cursor=inner)
        if with_total and total is None:
            total = await self.users.count(query)
        wrapped = self._wrap_total(fingerprint, page.continue_cursor, total)
        return UserPage(Page(page.documents, wrapped, page.is_done), total if with_total else None)

    @staticmethod
    def _normalized(filters: UserFilters) -> UserFilters:
        """The ``email`` filter finds the address in its one spelling."""
        if filters.email is None:
            return filters
        return replace(filters, email=normalize_email(filters.email))

    def _wrap_total(self, fingerprint: bytes, inner: str, total: int | None) -> str:
        if not inner:
            return ""
        return self.cursors.encode(fingerprint, [inner, -1 if total is None else total])

    def _unwrap_total(self, fingerprint: bytes, cursor: str) -> tuple[str, int | None]:
        inner, total = self.cursors.decode(fingerprint, cursor, (str, int))
        return inner, None if total < 0 else total

    async def search(
        self,
        text: str,
        filters: UserFilters,
        *,
        limit: int,
        cursor: str | None,
        with_total: bool,
    ) -> UserPage:
        """Convex ``by_search``: every term but the last as a whole word, the last
        as a prefix; relevance order, ties newest first; at most 1024 candidates.
        Pages continue after the last (relevance, ``_creationTime``, ``_id``)."""
        query = parse_query(text)
        if query is None:
            raise ValidationError.field("search", FieldProblem.NO_SEARCH_TERMS)
        filter_query = self.users.filter_query(self._normalized(filters))
        fingerprint = query_fingerprint("users.search", {"q": text, **filter_query}, "desc")
        entry = served_entry(query) if not filter_query else None
        if entry is not None:
            return await self.pages.ranked_page(entry, fingerprint, limit, cursor, with_total)
        return await self.pages.in_memory_page(
            query, filter_query, fingerprint, limit, cursor, with_total
        )

    async def reindex_search(self, batch: int = 500) -> int:
        """Recompute every user's search helpers and ranked entries."""
        return await self.pages.reindex(batch)

    # --- writes ------------------------------------------------------------------------

    async def create(
        self,
        fields: dict[str, Any],
        *,
        password: str | None,
        by: Caller,
        doc_id: str | None = None,
    ) -> UserRow:
        """Insert a user (under ``doc_id`` when given); the unique index on email
        decides races (409)."""
        if password is not None:
            check_new_password(password)
        document = dict(fields)
        document["email"] = normalize_email(document["email"])
        document.setdefault("permissions", [])
        document.setdefault("isActive", True)
        document["createdAt"] = iso(datetime.now(UTC))
        document[SEARCH_TOKENS] = search_tokens(document["name"])
        if password is not None:
            document[PASSWORD_HASH] = await self.passwords.hash(
                password, by.client.ip_address or INTERNAL_CLIENT
            )
        try:
            created = await self.users.insert(document, doc_id=doc_id)
        except DuplicateKey as exc:
            raise EmailTaken(details={"field": "email"}) from exc
        await self.ranked.add([created])
        await self.audit.record(by.actor, "CREATE", RESOURCE, created["_id"], diff({}, created))
        return self.users.public(created)

    async def patch(
        self,
        user_id: str,
        changes: dict[str, Any],
        *,
        by: Caller,
        action: AuditAction = "UPDATE",
    ) -> UserRow:
        """One atomic Convex patch; deactivation revokes every session. A change
        of rights runs under the managers' lock (app/users/privileges.py)."""
        user_id = self.users.parse_id(user_id)
        if changes.get("isActive") is False and by.actor == user_id:
            raise SelfDeactivation()
        if not touches_rights(changes):
            return await self._patch(user_id, changes, by=by, action=action)
        async with self.managers_lock.hold():
            await self._keep_a_manager(user_id, changes)
            return await self._patch(user_id, changes, by=by, action=action)

    async def _keep_a_manager(self, user_id: str, changes: dict[str, Any]) -> None:
        """409 LAST_ADMIN if ``changes`` would leave no active ``users:manage`` holder."""
        table = self.role_permissions
        before = await self.users.require(user_id, include_hidden=True)
        if not manages(before, table) or manages(after_patch(before, changes), table):
            return
        roles = [role for role, granted in table.items() if ADMIN in granted]
        if not (await self.users.active_holders(roles, ADMIN, limit=2)) - {user_id}:
            fields = [*privileged_fields(changes), "isActive"]
            raise LastAdmin(details=[FieldError(fields[0], FieldProblem.LAST_MANAGER)])

    async def _patch(
        self, user_id: str, changes: dict[str, Any], *, by: Caller, action: AuditAction
    ) -> UserRow:
        derived: dict[str, Any] = {"updatedAt": iso(datetime.now(UTC))}
        if isinstance(changes.get("name"), str):
            derived[SEARCH_TOKENS] = search_tokens(changes["name"])
        try:
            before, after = await self.users.patch(user_id, changes, extra_set=derived)
        except DuplicateKey as exc:
            raise EmailTaken(details={"field": "email"}) from exc
        if before.get("name") != after.get("name"):
            await self.ranked.replace([after])  # from the stored name
        changed = diff(before, after)
        changed.pop("updatedAt", None)
        if not changed:
            return self.users.public(after)
        await self.audit.record(by.actor, action, RESOURCE, user_id, changed)
        if "isActive" in changed:
            await self._activation_changed(after, by)
        return self.users.public(after)

    async def _activation_changed(self, user: UserRow, by: Caller) -> None:
        if user.get("isActive"):
            await self.events.record(
                EventType.USER_RESTORED, by.client, user_id=user["_id"], details={"by": by.actor}
            )
            return
        await self.sessions.revoke_all(user["_id"], "user_deactivated", by.client, actor=by.actor)
        await self.events.record(
            EventType.USER_DEACTIVATED, by.client, user_id=user["_id"], details={"by": by.actor}
        )

    async def deactivate(self, user_id: str, by: Caller) -> UserRow:
        """Soft delete: the document stays, the account and its sessions end."""
        return await self.patch(user_id, {"isActive": False}, by=by, action="DELETE")

    async def restore(self, user_id: str, by: Caller) -> UserRow:
        return await self.patch(user_id, {"isActive": True}, by=by, action="RESTORE")

    async def update_last_login(self, user_id: str) -> None:
        if not await self.users.set_fields(
            self.users.parse_id(user_id), {"lastLogin": iso(datetime.now(UTC))}
        ):
            raise UserNotFound()

    async def any_user(self) -> bool:
        return not await self.users.is_empty()

    async def exists(self, email: str) -> bool:
        return await self.users.get_by_email(normalize_email(email)) is not None

    async def promote_admin(self, email: str, by: Caller) -> UserRow:
        """Make an existing user an active admin (role ``admin`` and ``users:manage``)."""
        user = await self.get_by_email(email)
        permissions = sorted({*user.get("permissions", []), ADMIN})
        changes = {"role": "admin", "permissions": permissions, "isActive": True}
        return await self.patch(user["_id"], changes, by=by)

    async def ensure_admin(self, email: str, password: str, name: str = "Administrator") -> bool:
        """Create an active admin with this email unless one exists; True if created."""
        if await self.exists(email):
            return False
        try:
            await self.create(
                {
                    "name": name,
                    "email": email,
                    "role": "admin",
                    "permissions": ["users:manage"],
                    "isActive": True,
                },
                password=password,
                by=BOOTSTRAP,
            )
        except EmailTaken:
            return False  # another instance bootstrapped it first
        return True
