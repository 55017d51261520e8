"""The application factory. Nothing reads the environment at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from litestar import Litestar
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from app.audit.controllers import AuditController
from app.audit.recorder import AuditRecorder
from app.audit.repository import AuditLogsRepository
from app.audit.service import AuditLogs
from app.auth.controllers import AuthController
from app.auth.repository import LoginCountersRepository, SessionsRepository
from app.auth.service import AuthService
from app.body_deadline import BodyDeadline
from app.cli import ManagementCLI
from app.config import Settings, get_settings
from app.db import Database, database_lifespan
from app.deadline import RequestDeadline
from app.documents import CursorCodec, Repository
from app.errors import EXCEPTION_HANDLERS, ValidationError
from app.idempotency.repository import IdempotencyRepository
from app.idempotency.service import IdempotencyKeys
from app.internal.controllers import InternalController
from app.internal.repository import ServiceTokensRepository
from app.internal.service import ServiceTokens
from app.json_body import StrictJSONRequest
from app.retention import ensure_retention
from app.security.browser import BrowserSecurity
from app.security.control_chars import ControlCharacterMiddleware
from app.security.denials import denial_handler
from app.security.guards import PermissionDenied
from app.security.middleware import (
    AuthenticationMiddleware,
    Authenticator,
    ClientResolver,
    provide_caller,
)
from app.security.passwords import Passwords
from app.security_events.controllers import SecurityEventsController
from app.security_events.recorder import SecurityEventRecorder
from app.security_events.repository import SecurityEventsRepository
from app.security_events.service import SecurityEvents
from app.system.controllers import SystemController
from app.users.controllers import UsersController, patch_me
from app.users.idempotent import IdempotentUserCreation
from app.users.repository import UsersRepository
from app.users.service import UsersService

logger = logging.getLogger("app")

DOCS_PATH = "/schema"


class Services:
    """Everything a request may need, built once per app from its settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings)
        self.cursors = CursorCodec(settings.cursor_secret.encode())
        self.users_repository = self._repository(UsersRepository)
        self.sessions_repository = self._repository(SessionsRepository)
        self.security_events_repository = self._repository(SecurityEventsRepository)
        self.audit_logs_repository = self._repository(AuditLogsRepository)
        self.security_events = SecurityEventRecorder(self.security_events_repository)
        self.audit = AuditRecorder(self.audit_logs_repository)
        self.passwords = Passwords(settings)
        self.client_resolver = ClientResolver(settings.trusted_proxies)
        self.auth = AuthService(
            settings,
            self.users_repository,
            self.sessions_repository,
            self._repository(LoginCountersRepository),
            self.passwords,
            self.security_events,
            self.audit,
        )
        self.users = UsersService(self.users_repository, self.auth, self.audit, self.cursors)
        self.user_creation = IdempotentUserCreation(
            self.users, IdempotencyKeys(self._repository(IdempotencyRepository))
        )
        self.service_tokens = ServiceTokens(settings, self._repository(ServiceTokensRepository))
        self.authenticator = Authenticator(settings, self.auth, self.service_tokens)
        self.database.on_ready.append(partial(ensure_retention, self.database, settings))

    def _repository[R: Repository](self, kind: type[R]) -> R:
        # APP_BATCH_READS applies to every collection's reads by ID.
        return kind(self.database, self.cursors, batch_reads=self.settings.batch_reads)

    def dependencies(self) -> dict[str, Provide]:
        provided = {
            "settings": self.settings,
            "database": self.database,
            "cursors": self.cursors,
            "auth_service": self.auth,
            "users_service": self.users,
            "user_creation": self.user_creation,
            "client_resolver": self.client_resolver,
            "service_tokens": self.service_tokens,
            "audit_logs": AuditLogs(self.audit_logs_repository),
            "security_events": SecurityEvents(self.security_events_repository),
            "authenticator": self.authenticator,
        }
        dependencies = {name: _constant(value) for name, value in provided.items()}
        dependencies["caller"] = Provide(provide_caller, sync_to_thread=False)
        return dependencies

    async def bootstrap(self) -> None:
        email, password = (
            self.settings.bootstrap_admin_email,
            self.settings.bootstrap_admin_password,
        )
        if not (email and password):
            return
        try:
            created = await self.users.ensure_admin(email, password)
        except ValidationError as exc:
            # The same rules as the API; the message names the rule, never the value.
            logger.error("bootstrap admin not created: %s", exc.message)
            return
        if created:
            logger.info("bootstrap admin created")


def _constant(value: Any) -> Provide:
    def provide() -> Any:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    services = Services(settings)
    services.database.on_ready.append(services.bootstrap)
    browser = BrowserSecurity(settings, docs_path=DOCS_PATH)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await services.passwords.warm_up()
        try:
            async with database_lifespan(services.database):
                yield
        finally:
            services.passwords.close()

    return Litestar(
        route_handlers=[
            SystemController,
            AuthController,
            InternalController,
            UsersController,
            patch_me,
            AuditController,
            SecurityEventsController,
        ],
        dependencies=services.dependencies(),
        middleware=[
            browser.middleware(),  # first: refuses forged requests on their headers alone
            # Then the body is complete (or 408) before anything else runs.
            DefineMiddleware(
                BodyDeadline,
                timeout_seconds=settings.body_read_timeout_seconds,
                max_body_bytes=settings.max_body_bytes,
            ),
            # Before authentication, so its database reads share the deadline.
            RequestDeadline(settings.request_timeout_ms / 1000),
            DefineMiddleware(AuthenticationMiddleware, authenticator=services.authenticator),
            ControlCharacterMiddleware(),
        ],
        before_send=[browser.before_send],
        lifespan=[lifespan],
        plugins=[ManagementCLI()],
        exception_handlers={
            **EXCEPTION_HANDLERS,
            PermissionDenied: denial_handler(services.security_events, services.client_resolver),
        },
        request_max_body_size=settings.max_body_bytes,
        request_class=StrictJSONRequest,
        openapi_config=OpenAPIConfig(
            title="Panel Users Service",
            version="0.1.0",
            path=DOCS_PATH,
            render_plugins=[SwaggerRenderPlugin(path="/"), JsonRenderPlugin(path="/openapi.json")],
            components=Components(
                security_schemes={
                    "session": SecurityScheme(
                        type="apiKey", name=settings.cookie_name, security_scheme_in="cookie"
                    ),
                    "bearer": SecurityScheme(type="http", scheme="bearer"),
                }
            ),
        ),
    )
