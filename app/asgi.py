"""The application factory. Nothing reads the environment at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components

from app.audit.controllers import AuditController
from app.auth.access import UserAccessController
from app.auth.controllers import AuthController
from app.cli import ManagementCLI
from app.config import Settings, get_settings
from app.container import Container
from app.convex_api.routes import convex_router
from app.db import database_lifespan
from app.deadline import RequestDeadline
from app.error_responses import EXCEPTION_HANDLERS
from app.http.body_deadline import BodyDeadline
from app.http.browser import BrowserSecurity
from app.http.contract import allow_header, document_operations, security_schemes
from app.http.control_chars import ControlCharacterMiddleware
from app.http.denials import denial_handler
from app.http.docs import DOCS_PATH, assets_router, render_plugins, root_to_docs
from app.http.error_schema import describe_errors
from app.http.input_contract import InputContract
from app.http.json_body import StrictJSONRequest
from app.http.metrics import metrics_listener, metrics_routes
from app.http.middleware import AuthenticationMiddleware
from app.http.observe import instrument
from app.metrics import watch_engine
from app.security.guards import PermissionDenied
from app.security.requests import provide_caller, provide_client
from app.security_events.controllers import SecurityEventsController
from app.service_tokens.controllers import InternalController
from app.system.controllers import SystemController
from app.users.controllers import UsersController, patch_me

logger = logging.getLogger("app")


def dependencies(container: Container) -> dict[str, Provide]:
    """The one dependency map of the routes."""
    provided = {
        "settings": container.settings,
        "database": container.database,
        "cursors": container.cursors,
        "credentials": container.credentials,
        "session_service": container.sessions,
        "password_changes": container.password_changes,
        "users_service": container.users,
        "user_creation": container.user_creation,
        "client_resolver": container.client_resolver,
        "service_tokens": container.service_tokens,
        "audit_logs": container.audit_logs,
        "security_events": container.security_event_queries,
    }
    dependencies = {name: _constant(value) for name, value in provided.items()}
    dependencies["caller"] = Provide(provide_caller, sync_to_thread=False)
    dependencies["client"] = Provide(provide_client, sync_to_thread=False)
    return dependencies


def _constant(value: Any) -> Provide:
    def provide() -> Any:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    container = Container(settings)
    container.database.on_ready.append(container.bootstrap)
    browser = BrowserSecurity(settings, docs_path=DOCS_PATH)
    # Where python -m app's supervisor records the embedded engine's restarts.
    watch_engine(Path(settings.data_dir) / "engine")
    listener = metrics_listener(settings)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await container.passwords.warm_up()
        try:
            async with database_lifespan(container.database):
                yield
        finally:
            container.passwords.close()
            if settings.convex_api_prefix and container.convex_api.forwarder:
                await container.convex_api.forwarder.close()

    exception_handlers = {
        **EXCEPTION_HANDLERS,
        PermissionDenied: denial_handler(container.security_events, container.client_resolver),
    }
    # The panel's ConvexHttpClient (app/convex_api), under its own prefix.
    convex = (
        [
            convex_router(
                settings.convex_api_prefix,
                container.convex_api,
                container.client_resolver,
                exception_handlers,
                container.authenticator,
                settings.convex_allowed_networks,
            )
        ]
        if settings.convex_api_prefix
        else []
    )

    app = Litestar(
        route_handlers=[
            *convex,
            SystemController,
            AuthController,
            InternalController,
            UsersController,
            UserAccessController,
            patch_me,
            AuditController,
            SecurityEventsController,
            *([assets_router()] if settings.docs_enabled else []),
            *([root_to_docs] if settings.docs_enabled else []),
            *metrics_routes(settings),
        ],
        dependencies=dependencies(container),
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
            DefineMiddleware(AuthenticationMiddleware, authenticator=container.authenticator),
            ControlCharacterMiddleware(),
        ],
        # Only declared parameters; every bad field at once (after the guards).
        before_request=InputContract(),
        before_send=[browser.before_send, allow_header],
        lifespan=[lifespan, *([listener] if listener else [])],
        on_startup=[describe_errors] if settings.docs_enabled else [],
        plugins=[ManagementCLI()],
        exception_handlers=exception_handlers,
        request_max_body_size=settings.max_body_bytes,
        request_class=StrictJSONRequest,
        # Logging is configured once per process (app/logs.py), not by Litestar.
        logging_config=None,
        # None: no /schema page, assets or document (APP_DOCS_ENABLED=false).
        openapi_config=None
        if not settings.docs_enabled
        else OpenAPIConfig(
            title="Panel Users Service",
            version="0.1.0",
            path=DOCS_PATH,
            render_plugins=render_plugins(),
            use_handler_docstrings=True,
            components=Components(security_schemes=security_schemes(settings.cookie_name)),
        ),
    )
    document_operations(app)
    return instrument(app, settings)
