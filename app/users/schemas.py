"""msgspec Structs at the edge for users. A handler never returns a raw document."""

from __future__ import annotations

from typing import Any

import msgspec


class UserOut(msgspec.Struct, omit_defaults=True):
    """A user as callers see it: no passwordHash, no search helpers; unset optional
    fields are absent (Convex omits undefined)."""

    id: str = msgspec.field(name="_id")
    creation_time: float = msgspec.field(name="_creationTime")
    name: str
    email: str
    role: str
    permissions: list[str]
    isActive: bool
    phone: str | None = None
    avatar: str | None = None
    labels: list[str] | None = None
    createdAt: str | None = None
    lastLogin: str | None = None
    updatedAt: str | None = None
    two_factor_enabled: bool | None = None


def user_out(document: dict[str, Any]) -> UserOut:
    # Unknown keys (passwordHash, searchTokens) are dropped by the conversion.
    return msgspec.convert(document, UserOut)
