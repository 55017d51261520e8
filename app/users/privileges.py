"""Who may change a user's rights, and the last holder of ``users:manage``.

- Service tokens: ``users:write`` patches profile fields; changing ``role`` or
  ``permissions`` needs the separate scope ``users:admin`` (otherwise
  ``users:write`` would be admin power).
- Nobody (an admin for themselves included) can take ``users:manage`` from
  its last active holder: not by role, not by permissions, not by
  deactivation (409 LAST_ADMIN).

Every patch that touches ``role``, ``permissions`` or ``isActive`` runs under
one lease lock kept in MongoDB (collection ``locks``), shared by every
instance; inside it the target is read again and the other holders counted.
So two admins demoting each other at the same moment are serialized: the
second one sees the first one's change and gets 409.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from litestar.connection import ASGIConnection
from pymongo.errors import DuplicateKeyError

from app.clock import now_ms
from app.documents import CollectionSource
from app.errors import AppError, ErrorCode
from app.security.guards import ADMIN, deny
from app.security.principal import Principal, user_permissions
from app.security.tokens import new_token

ADMIN_SCOPE = "users:admin"
PRIVILEGED_FIELDS = ("role", "permissions")
# Fields whose change can add or remove users:manage.
RIGHTS_FIELDS = frozenset({"role", "permissions", "isActive"})

LOCKS = "locks"
MANAGERS_LOCK = "users:manage"
# Longer than any critical section can last (a few queries, each bounded by
# the driver's timeouts); it only matters when a process dies holding the lock.
LEASE_MS = 60_000
WAIT_SECONDS = 5.0


class LastAdmin(AppError, code=ErrorCode.LAST_ADMIN, status=409): ...


class ConcurrentChange(AppError, code=ErrorCode.CONCURRENT_CHANGE, status=409): ...


class SelfDeactivation(AppError, code=ErrorCode.SELF_DEACTIVATION, status=409):
    """The request is well formed; the caller being its target is the conflict."""


def privileged_fields(changes: Mapping[str, Any]) -> list[str]:
    """The fields of a patch that only ``users:admin`` services may change."""
    return [field for field in PRIVILEGED_FIELDS if field in changes]


async def require_admin_scope(
    connection: ASGIConnection[Any, Any, Any, Any],
    principal: Principal,
    changes: Mapping[str, Any],
) -> None:
    """403 (and a counted permission_denied event) when a service token without
    ``users:admin`` tries to change role or permissions."""
    if principal.kind != "service" or ADMIN_SCOPE in principal.permissions:
        return
    if fields := privileged_fields(changes):
        reason = f"needs the scope {ADMIN_SCOPE}"
        deny(principal, ADMIN_SCOPE, [{"field": fields[0], "message": reason}])


def touches_rights(changes: Mapping[str, Any]) -> bool:
    return not RIGHTS_FIELDS.isdisjoint(changes)


def manages(user: Mapping[str, Any], role_table: Mapping[str, list[str]]) -> bool:
    """An active user holding ``users:manage`` (own permissions or role)."""
    return bool(user.get("isActive")) and ADMIN in user_permissions(user, role_table)


def after_patch(user: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The user as the patch would leave it (``None`` removes a field)."""
    result = dict(user)
    for field, value in changes.items():
        if value is None:
            result.pop(field, None)
        else:
            result[field] = value
    return result


class LeaseLock:
    """A lock document ``{_id, until, owner}``: taken by an upsert that only
    matches an expired lease (a held one makes the upsert a duplicate key),
    released by its owner."""

    def __init__(self, database: CollectionSource, name: str) -> None:
        self.database = database
        self.name = name

    async def _try_acquire(self, owner: str) -> bool:
        now = now_ms()
        try:
            await self.database.collection(LOCKS).update_one(
                {"_id": self.name, "until": {"$lt": now}},
                {"$set": {"until": now + LEASE_MS, "owner": owner}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        owner = new_token()
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while not await self._try_acquire(owner):
            if asyncio.get_running_loop().time() > deadline:
                raise ConcurrentChange(headers={"Retry-After": "1"})
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            await self.database.collection(LOCKS).update_one(
                {"_id": self.name, "owner": owner}, {"$set": {"until": 0}}
            )
