"""Seeding and inspecting the test database from the test's own event loop.

The test client runs the app in a loop of its own, so these use a separate
raw client and never Beanie.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from pymongo import AsyncMongoClient

from app.config import Settings
from tests.support.processes import (
    free_port,
    service_environment,
    start_service,
    stop_process,
    wait_ready,
)
from tests.support.users import user_document

DEFAULT_PASSWORD = "correct horse battery"
CHEAP_ARGON2 = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Store:
    def __init__(self, settings: Settings) -> None:
        assert settings.mongodb_url is not None
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongodb_url, tz_aware=True
        )
        self.db = self.client[settings.database]

    async def close(self) -> None:
        await self.client.close()

    async def add_user(
        self,
        email: str,
        password: str | None = DEFAULT_PASSWORD,
        *,
        password_hash: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        if password_hash is None and password is not None:
            password_hash = CHEAP_ARGON2.hash(password)
        document = user_document(email, password_hash=password_hash, **fields)
        await self.db.users.insert_one(document)
        return document

    async def user(self, user_id: str) -> dict[str, Any] | None:
        return await self.db.users.find_one({"_id": user_id})

    async def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        query = {"event_type": event_type} if event_type else {}
        return await self.db.security_events.find(query).to_list()

    async def all_documents(self) -> list[dict[str, Any]]:
        documents: list[dict[str, Any]] = []
        for name in await self.db.list_collection_names():
            documents.extend(await self.db[name].find({}).to_list())
        return documents


@contextmanager
def running_service(
    mongodb_url: str, database: str, *, log_file: Path | None = None, **env: str
) -> Iterator[str]:
    """The service as production runs it (``python -m app``), in its own process;
    its output goes to ``log_file`` when given."""
    port = free_port()
    process = start_service(
        service_environment(mongodb_url, database, port, **env), log_file=log_file
    )
    try:
        wait_ready(port, process, log_file=log_file)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


ROOT_EMAIL = "root@example.org"


def cheap_service_env(**extra: str) -> dict[str, str]:
    """Settings for ``running_service``: a bootstrap admin and cheap hashes."""
    return {
        "APP_BOOTSTRAP_ADMIN_EMAIL": ROOT_EMAIL,
        "APP_BOOTSTRAP_ADMIN_PASSWORD": DEFAULT_PASSWORD,
        "APP_ARGON2_TIME_COST": "1",
        "APP_ARGON2_MEMORY_KIB": "1024",
        "APP_ARGON2_PARALLELISM": "1",
        **extra,
    }


async def sign_in_as_root(http: httpx.AsyncClient) -> None:
    """Log the bootstrap admin in; later requests carry its bearer token."""
    login = await http.post(
        "/api/auth/login", json={"email": ROOT_EMAIL, "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200, login.text
    http.headers["Authorization"] = f"Bearer {login.json()['session']['token']}"
