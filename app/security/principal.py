"""Who is calling: a user with a session, or an internal service with scopes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from app.rows import SessionRow, UserRow


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from: what events and audit logs record."""

    ip_address: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Principal:
    kind: Literal["user", "service"]
    # The user's _id, or "service:<name>": what audit logs record as the actor.
    actor: str
    permissions: frozenset[str]
    user: UserRow | None = None
    session: SessionRow | None = field(default=None, repr=False)

    @property
    def user_id(self) -> str | None:
        return self.user["_id"] if self.user else None

    @property
    def session_id(self) -> str | None:
        return self.session["session_id"] if self.session else None


def user_permissions(
    user: Mapping[str, Any], role_table: Mapping[str, list[str]]
) -> frozenset[str]:
    """The user's own permissions plus those of their role (explicit table)."""
    return frozenset(user.get("permissions") or ()) | frozenset(
        role_table.get(user.get("role", ""), ())
    )


@dataclass(frozen=True)
class Caller:
    """Who made a request and from where: what audit logs and events record."""

    actor: str
    client: ClientInfo
