"""Authenticates every request that is not marked public.

A bearer token is either a service token or a session token; the session
cookie (``APP_COOKIE_NAME``) carries a session token. Every request re-checks the
session (expiry, revocation) and the user (exists, ``isActive``).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from app.auth.sessions import SessionService
from app.config import Settings
from app.errors import Unauthenticated
from app.security.principal import Principal, user_permissions
from app.security.requests import PUBLIC, credentials
from app.security.tokens import MAX_TOKEN_LENGTH
from app.service_tokens.service import ServiceTokens


class Authenticator:
    def __init__(
        self, settings: Settings, sessions: SessionService, services: ServiceTokens
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.services = services

    async def authenticate(self, token: str) -> Principal | None:
        if len(token) > MAX_TOKEN_LENGTH:
            return None
        # A token this process has seen as a session's is no service token:
        # skip the service-token lookup (a query per token every 30 s).
        known_session = self.sessions.knows(token)
        service = None if known_session else await self.services.identify(token)
        if service is not None:
            return Principal(
                kind="service", actor=f"service:{service.name}", permissions=service.scopes
            )
        resolved = await self.sessions.resolve(token)
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
