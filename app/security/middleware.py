"""Authenticates every request that is not marked public.

A bearer token is either a service token or a session token; the session
cookie (``APP_COOKIE_NAME``) carries a session token. Every request re-checks the
session (expiry, revocation) and the user (exists, ``isActive``).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from app.auth.service import AuthService
from app.config import Settings
from app.errors import Unauthenticated
from app.internal.service import ServiceTokens
from app.security.principal import Caller, Principal, user_permissions
from app.security.tokens import SESSION_COOKIE
from app.security_events.recorder import ClientInfo

PUBLIC = "public"  # route opt key: no authentication


def _in_networks(address: str, networks: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class ClientResolver:
    """The client's IP: ``X-Forwarded-For`` only counts when the peer is a trusted proxy."""

    def __init__(self, trusted_proxies: list[str]) -> None:
        self.networks = [ipaddress.ip_network(proxy, strict=False) for proxy in trusted_proxies]

    def __call__(self, connection: ASGIConnection[Any, Any, Any, Any]) -> ClientInfo:
        peer = connection.client.host if connection.client else None
        address = peer
        if peer and self.networks and _in_networks(peer, self.networks):
            forwarded = connection.headers.get("x-forwarded-for", "")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            # Walk from the nearest hop; the first one that is not our proxy is the client.
            for hop in reversed(hops):
                address = hop
                if not _in_networks(hop, self.networks):
                    break
        user_agent = connection.headers.get("user-agent")
        return ClientInfo(ip_address=address, user_agent=user_agent)


def provide_caller(
    request: Request[Principal, Any, Any], client_resolver: NamedDependency[ClientResolver]
) -> Caller:
    """The ``caller`` dependency of authenticated routes."""
    return Caller(actor=request.user.actor, client=client_resolver(request))


def credentials(
    connection: ASGIConnection[Any, Any, Any, Any], cookie_name: str = SESSION_COOKIE
) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return connection.cookies.get(cookie_name) or None


class Authenticator:
    def __init__(self, settings: Settings, auth: AuthService, services: ServiceTokens) -> None:
        self.settings = settings
        self.auth = auth
        self.services = services

    async def authenticate(self, token: str) -> Principal | None:
        if len(token) > 512:
            return None
        service = await self.services.identify(token)
        if service is not None:
            return Principal(
                kind="service", actor=f"service:{service.name}", permissions=service.scopes
            )
        resolved = await self.auth.resolve_session(token)
        if resolved is None:
            return None
        session, user = resolved
        return Principal(
            kind="user",
            actor=user["_id"],
            permissions=user_permissions(user, self.settings.role_permissions),
            user=user,
            session=session,
        )


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        super().__init__(app, exclude_from_auth_key=PUBLIC, exclude=["^/schema"])
        self.authenticator = authenticator

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        token = credentials(connection, self.authenticator.settings.cookie_name)
        if not token:
            raise Unauthenticated()
        principal = await self.authenticator.authenticate(token)
        if principal is None:
            raise Unauthenticated()
        return AuthenticationResult(user=principal, auth=None)
