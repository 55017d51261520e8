"""Route guards: permissions for users, scopes for services.

A denial raises ``PermissionDenied``; its handler (``app.http.denials``)
answers 403 FORBIDDEN and writes the ``permission_denied`` event.
"""

from __future__ import annotations

from typing import Any, NoReturn

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from app.errors import Forbidden, Unauthenticated
from app.security.principal import Principal

ADMIN = "users:manage"

# What each guard made by ``allow`` requires, (permission, scope): the OpenAPI
# document declares every operation's security from it (app/http/contract.py).
REQUIREMENTS: dict[Guard, tuple[str | None, str | None]] = {}


class PermissionDenied(Forbidden):
    """403 FORBIDDEN; ``app.http.denials`` records the event when answering."""

    def __init__(self, principal: Principal, needed: str, details: Any = None) -> None:
        super().__init__(details=details)
        self.principal = principal
        self.needed = needed


def deny(principal: Principal, needed: str, details: Any = None) -> NoReturn:
    raise PermissionDenied(principal, needed, details)


def allow(permission: str | None = None, *, scope: str | None = None) -> Guard:
    """Users need ``permission``; services need ``scope``. ``None`` shuts that kind out."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            # Litestar's automatic OPTIONS answer (only the Allow header) is not
            # authenticated, so a controller's guard has no principal to check.
            return
        if "user" not in connection.scope:
            raise Unauthenticated()
        principal: Principal = connection.user
        if principal.kind == "user" and permission is not None:
            if permission == "" or permission in principal.permissions:
                return
            deny(principal, permission)
        if principal.kind == "service" and scope is not None and scope in principal.permissions:
            return
        deny(principal, scope or permission or "user session")

    REQUIREMENTS[guard] = (permission, scope)
    return guard


# Any signed-in user (no special permission), never a service token.
signed_in = allow("")
admin_only = allow(ADMIN)
