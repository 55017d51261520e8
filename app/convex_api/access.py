"""Who may call the Convex function API: a client on one of
``APP_CONVEX_ALLOWED_NETWORKS`` (when set), with a service token of the scope
``convex`` sent as ``ConvexHttpClient`` sends it: ``setAuth`` as
``Authorization: Bearer <token>``, ``setAdminAuth`` as ``Authorization:
Convex <token>``.

The routes are excluded from the app's authentication middleware (which
knows only ``Bearer`` and the cookie) and authenticated here, so the network
check comes first: a refused network learns nothing about its token.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from app.errors import Forbidden, Unauthenticated
from app.http.middleware import Authenticator
from app.security.guards import allow
from app.security.requests import ClientResolver

SCOPE = "convex"
SCHEMES = frozenset({"bearer", "convex"})


class NetworkNotAllowed(Forbidden):
    """403 FORBIDDEN: the client's address is not on an allowed network."""


def token_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    scheme, _, value = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() in SCHEMES and value.strip():
        return value.strip()
    return None


def convex_guard(
    authenticator: Authenticator, clients: ClientResolver, allowed_networks: list[str]
) -> Guard:
    networks = [ipaddress.ip_network(network, strict=False) for network in allowed_networks]
    needs_scope = allow(None, scope=SCOPE)

    def on_allowed_network(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
        if not networks:
            return True
        # The address APP_TRUSTED_PROXIES resolves (X-Forwarded-For only from them).
        address = clients(connection).ip_address
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in networks)

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        if not on_allowed_network(connection):
            raise NetworkNotAllowed("This network may not call the Convex API")
        token = token_of(connection)
        principal = await authenticator.authenticate(token) if token else None
        if principal is None:
            raise Unauthenticated()
        connection.scope["user"] = principal
        checked = needs_scope(connection, handler)  # allow()'s guard is async
        if checked is not None:
            await checked

    return guard
