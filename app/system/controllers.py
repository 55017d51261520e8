"""Liveness and readiness probes."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from app.db import Database
from app.responses import ANSWERS
from app.security.requests import PUBLIC


class Status(msgspec.Struct):
    status: str


class SystemController(Controller):
    tags = ["system"]
    opt = {PUBLIC: True}

    @get("/health", summary="Liveness: answers without the database")
    async def health(self) -> Status:
        return Status(status="ok")

    @get(
        "/ready",
        opt={ANSWERS: (503,)},
        summary="Readiness: pings the database; 503 DATABASE_UNAVAILABLE when it cannot",
    )
    async def ready(self, database: NamedDependency[Database]) -> Status:
        await database.ping()
        return Status(status="ready")
