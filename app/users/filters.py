"""What a caller may filter the users list by: a typed value that services
pass and only ``UsersRepository`` turns into a query."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserFilters:
    """Equality filters, each served by an index."""

    role: str | None = None
    is_active: bool | None = None
    email: str | None = None
    phone: str | None = None
    labels: tuple[str, ...] = ()
