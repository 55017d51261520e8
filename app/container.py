"""The composition root: every object graph of the service in one place."""

from __future__ import annotations

import logging
from functools import cached_property, partial
from typing import Any

from app.audit.recorder import AuditRecorder
from app.audit.repository import AuditLogsRepository
from app.audit.service import AuditLogs
from app.auth.credentials import Credentials
from app.auth.password_changes import PasswordChanges
from app.auth.repository import LoginCountersRepository, SessionsRepository
from app.auth.sessions import SessionService
from app.config import Settings
from app.convex_api.dispatch import ConvexAPI
from app.convex_api.forward import Forwarder
from app.convex_api.functions import Backends
from app.db import Database
from app.documents import ConvexTables, CursorCodec, Repository, TableNumbers
from app.errors import ValidationError
from app.http.middleware import Authenticator
from app.idempotency.repository import IdempotencyRepository
from app.idempotency.service import IdempotencyKeys
from app.retention import ensure_retention
from app.security.passwords import Passwords
from app.security.requests import ClientResolver
from app.security_events.recorder import SecurityEventRecorder
from app.security_events.repository import SecurityEventsRepository
from app.security_events.service import SecurityEvents
from app.service_tokens.repository import ServiceTokensRepository
from app.service_tokens.service import ServiceTokens
from app.users.idempotent import IdempotentUserCreation
from app.users.ranked_search import RankedSearch
from app.users.repository import UsersRepository
from app.users.service import UsersService

logger = logging.getLogger("app")


class Container:
    """Every object the service is made of, built from its settings by plain
    constructor injection. Each is built on first use and then shared, so a
    management command builds only what it touches (revoking a token never
    builds the password hasher or its thread pool). Repositories are plain
    objects and are built at once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings)
        self.cursors = CursorCodec(settings.cursor_secret.encode())
        # The numbers new IDs carry: the settings', replaced by remembered ones
        # (an import's) when the database is bound, before anything is written.
        self.table_numbers = TableNumbers(settings.convex_table_numbers)
        self.convex_tables = ConvexTables(self.database.database, self.table_numbers)
        self.database.before_ready.append(self.convex_tables.load)
        # Repositories are cheap (no I/O until used): built at once.
        self.users_repository = self._repository(UsersRepository)
        self.sessions_repository = self._repository(SessionsRepository)
        self.login_counters_repository = self._repository(LoginCountersRepository)
        self.security_events_repository = self._repository(SecurityEventsRepository)
        self.audit_logs_repository = self._repository(AuditLogsRepository)
        self.idempotency_repository = self._repository(IdempotencyRepository)
        self.service_tokens_repository = self._repository(ServiceTokensRepository)
        self.database.on_ready.append(partial(ensure_retention, self.database, settings))

    def _repository[R: Repository[Any]](self, kind: type[R]) -> R:
        # APP_BATCH_READS applies to every collection's reads by ID.
        return kind(
            self.database,
            self.cursors,
            batch_reads=self.settings.batch_reads,
            tables=self.table_numbers,
        )

    # --- services -----------------------------------------------------------------

    @cached_property
    def security_events(self) -> SecurityEventRecorder:
        return SecurityEventRecorder(self.security_events_repository)

    @cached_property
    def audit(self) -> AuditRecorder:
        return AuditRecorder(self.audit_logs_repository)

    @cached_property
    def audit_logs(self) -> AuditLogs:
        return AuditLogs(self.audit_logs_repository)

    @cached_property
    def security_event_queries(self) -> SecurityEvents:
        return SecurityEvents(self.security_events_repository)

    @cached_property
    def passwords(self) -> Passwords:
        return Passwords(self.settings)

    @cached_property
    def client_resolver(self) -> ClientResolver:
        return ClientResolver(self.settings.trusted_proxies)

    @cached_property
    def credentials(self) -> Credentials:
        return Credentials(
            self.settings,
            self.users_repository,
            self.login_counters_repository,
            self.passwords,
            self.security_events,
            self.audit,
        )

    @cached_property
    def sessions(self) -> SessionService:
        return SessionService(
            self.settings,
            self.users_repository,
            self.sessions_repository,
            self.credentials,
            self.security_events,
        )

    @cached_property
    def password_changes(self) -> PasswordChanges:
        return PasswordChanges(
            self.users_repository,
            self.credentials,
            self.sessions,
            self.passwords,
            self.security_events,
            self.audit,
        )

    @cached_property
    def users(self) -> UsersService:
        return UsersService(
            users=self.users_repository,
            passwords=self.passwords,
            sessions=self.sessions,
            events=self.security_events,
            audit=self.audit,
            cursors=self.cursors,
            role_permissions=self.settings.role_permissions,
            ranked=self.ranked_search,
        )

    @cached_property
    def ranked_search(self) -> RankedSearch:
        return RankedSearch(self.database)

    @cached_property
    def user_creation(self) -> IdempotentUserCreation:
        return IdempotentUserCreation(self.users, IdempotencyKeys(self.idempotency_repository))

    @cached_property
    def service_tokens(self) -> ServiceTokens:
        return ServiceTokens(self.settings, self.service_tokens_repository)

    @cached_property
    def convex_api(self) -> ConvexAPI:
        settings = self.settings
        forwarder = None
        if settings.convex_upstream_url:
            forwarder = Forwarder(
                settings.convex_upstream_url,
                settings.convex_upstream_deploy_key.get_secret_value()
                if settings.convex_upstream_deploy_key
                else None,
                settings.convex_upstream_timeout_seconds,
                settings.convex_upstream_max_concurrency,
            )
        backends = Backends(
            users=self.users,
            password_changes=self.password_changes,
            credentials=self.credentials,
            audit_logs=self.audit_logs,
            events=self.security_events,
            tables=self.table_numbers,
            max_bcrypt_cost=settings.legacy_bcrypt_cost,
        )
        return ConvexAPI(backends, forwarder, settings.request_timeout_ms / 1000)

    @cached_property
    def authenticator(self) -> Authenticator:
        return Authenticator(self.settings, self.sessions, self.service_tokens)

    async def bootstrap(self) -> None:
        email, password = (
            self.settings.bootstrap_admin_email,
            self.settings.bootstrap_admin_password,
        )
        if not (email and password):
            if not await self.users.any_user():
                self._first_admin_hint()
            return
        try:
            created = await self.users.ensure_admin(email, password)
        except ValidationError as exc:
            # The same rules as the API; the message names the rule, never the value.
            logger.error("bootstrap admin not created: %s", exc.message)
            return
        if created:
            logger.info("bootstrap admin created")

    def _first_admin_hint(self) -> None:
        """A new database has nobody who can sign in: say how to get the first admin."""
        base = f"http://{self.settings.host}:{self.settings.port}"
        docs = f"; API docs at {base}/schema" if self.settings.docs_enabled else ""
        logger.warning(
            "no users yet: create the first admin with"
            " `scripts/manage users create-admin --email you@example.org --name 'Your Name'`%s",
            docs,
        )
