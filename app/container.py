"""The composition root: every object graph of the service in one place."""

from __future__ import annotations

import logging
from functools import partial

from app.audit.recorder import AuditRecorder
from app.audit.repository import AuditLogsRepository
from app.audit.service import AuditLogs
from app.auth.repository import LoginCountersRepository, SessionsRepository
from app.auth.service import AuthService
from app.config import Settings
from app.db import Database
from app.documents import CursorCodec, Repository
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
from app.users.repository import UsersRepository
from app.users.service import UsersService

logger = logging.getLogger("app")


class Container:
    """Every object the service is made of, built once per app (or CLI command)
    from its settings: plain constructor injection, no behaviour of its own."""

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
        self.audit_logs = AuditLogs(self.audit_logs_repository)
        self.security_event_queries = SecurityEvents(self.security_events_repository)
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
