"""Route guards: permissions for users, scopes for services.

A denial answers 403 FORBIDDEN and writes a ``permission_denied`` event: one
per actor, permission, method and route per minute, counted (a loop of 403s
from one user grows ``details.count``, not the collection).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from app.errors import Forbidden, Unauthenticated
from app.security.principal import Principal

ADMIN = "users:manage"


async def deny(
    connection: ASGIConnection[Any, Any, Any, Any],
    principal: Principal,
    needed: str,
    details: Any = None,
) -> None:
    """Record the denial, then raise 403 FORBIDDEN (with ``details``, if given)."""
    state = connection.app.state
    method = str(connection.scope.get("method"))
    # The route's template, not the path: varying an ID must not defeat the count.
    route = str(connection.scope.get("path_template") or connection.url.path)
    await state.security_events.record_counted(
        "permission_denied",
        "medium",
        state.client_resolver(connection),
        key=(principal.actor, needed, method, route),
        user_id=principal.user_id,
        details={
            "actor": principal.actor,
            "needed": needed,
            "method": method,
            "route": route,
            "path": connection.url.path,
        },
    )
    raise Forbidden(details=details)


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
            await deny(connection, principal, permission)
        if principal.kind == "service" and scope is not None and scope in principal.permissions:
            return
        await deny(connection, principal, scope or permission or "user session")

    return guard


# Any signed-in user (no special permission), never a service token.
signed_in = allow("")
admin_only = allow(ADMIN)
