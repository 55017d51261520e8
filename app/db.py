"""The document model list and the database lifespan: client, init_beanie, close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pymongo
from beanie import Document, init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from app.audit.models import AuditLog
from app.auth.models import LoginCounter, Session
from app.config import Settings
from app.documents.indexes import ensure_indexes, model_specs
from app.errors import DatabaseUnavailable
from app.idempotency.models import IdempotencyRecord
from app.security_events.models import SecurityEvent
from app.service_tokens.models import ServiceToken
from app.users.models import User
from app.users.ranked_search import SearchEntry

logger = logging.getLogger("app.db")

DOCUMENT_MODELS: list[type[Document]] = [
    User,
    Session,
    SecurityEvent,
    AuditLog,
    ServiceToken,
    LoginCounter,
    IdempotencyRecord,
    SearchEntry,
]

INIT_RETRY_SECONDS = 2.0


def mongodb_url(settings: Settings) -> str:
    """The configured URL, or the embedded engine's address when none is given."""
    return settings.mongodb_url or f"mongodb://127.0.0.1:{settings.engine_port}/"


class Database:
    """One AsyncMongoClient per app; Beanie is bound once the server answers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            mongodb_url(settings),
            tz_aware=True,
            # Each operation outside a request (start-up, CLI) gets the request
            # deadline too; within a request, app/deadline.py shares one.
            timeoutMS=settings.request_timeout_ms,
            serverSelectionTimeoutMS=settings.request_timeout_ms,
            connectTimeoutMS=settings.connect_timeout_ms,
            appname="panel-users-service",
        )
        self.database = self.client[settings.database]
        self.initialized = asyncio.Event()
        self._init_task: asyncio.Task[None] | None = None
        # Run once Beanie is bound, before any collection is handed out (what
        # every write depends on: the Convex table numbers); they use raw collections.
        self.before_ready: list[Callable[[], Awaitable[None]]] = []
        # Run once the database is ready (e.g. the bootstrap admin), even if that is late.
        self.on_ready: list[Callable[[], Awaitable[None]]] = []

    async def initialize(self) -> None:
        # Indexes are ours, not Beanie's: Beanie creates them in one command that
        # fails the whole start-up when one differs (app/documents/indexes.py).
        await init_beanie(
            database=self.database, document_models=DOCUMENT_MODELS, skip_indexes=True
        )
        await ensure_indexes(self.database, model_specs(DOCUMENT_MODELS))
        for callback in self.before_ready:
            await callback()
        self.initialized.set()
        for callback in self.on_ready:
            await callback()

    async def _initialize_until_done(self) -> None:
        while True:
            try:
                await self.initialize()
                logger.info("database ready")
                return
            except PyMongoError as exc:
                logger.warning("database not reachable yet (%s); retrying", type(exc).__name__)
                await asyncio.sleep(INIT_RETRY_SECONDS)

    async def start(self) -> None:
        """Bind Beanie now if the server answers, else keep trying in the background.

        The service starts either way and answers 503 until the database is up,
        so an orchestrator can start it before MongoDB.
        """
        try:
            await self.initialize()
        except PyMongoError as exc:
            logger.warning("database unavailable at start-up: %s", type(exc).__name__)
            self._init_task = asyncio.create_task(self._initialize_until_done())

    def collection(self, name: str) -> AsyncCollection[dict[str, Any]]:
        """A collection of this app's client; 503 until the indexes exist."""
        if not self.initialized.is_set():
            raise DatabaseUnavailable()
        return self.database[name]

    def require_ready(self) -> None:
        if not self.initialized.is_set():
            raise DatabaseUnavailable()

    async def ping(self) -> None:
        """Readiness: a ping within ``ready_timeout_ms`` (capped by the request's deadline)."""
        self.require_ready()
        try:
            with pymongo.timeout(self.settings.ready_timeout_ms / 1000):
                await self.database.command("ping")
        except PyMongoError as exc:
            raise DatabaseUnavailable() from exc

    async def close(self) -> None:
        if self._init_task is not None:
            self._init_task.cancel()
        await self.client.close()


@asynccontextmanager
async def database_lifespan(database: Database) -> AsyncIterator[None]:
    await database.start()
    try:
        yield
    finally:
        await database.close()
