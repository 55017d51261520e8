"""Shared test set-up: the wire servers, a fresh database per test, the app."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pymongo import AsyncMongoClient

from app.asgi import create_app
from app.config import Settings
from tests.engines import ExternalEngine, make_engine

EXTERNAL_URL = os.environ.get("APP_MONGODB_URL")
ENGINE_NAMES = ["external"] if EXTERNAL_URL else ["mongoeco", "nx27017"]

SERVICE_TOKEN = "svc-token-" + "x" * 40


@pytest.fixture(scope="session", params=ENGINE_NAMES)
def engine(request: pytest.FixtureRequest) -> Iterator[Any]:
    """One wire server per engine for the whole session (started here, never skipped)."""
    server = (
        ExternalEngine(EXTERNAL_URL) if request.param == "external" else make_engine(request.param)
    )
    server.start()
    yield server
    server.close()


def make_settings(url: str, database: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mongodb_url": url,
        "database": database,
        # Generous: the suite shares 2 cores; outage tests set their own.
        "request_timeout_ms": 10_000,
        "connect_timeout_ms": 2000,
        "cursor_secret": "test-cursor-secret",
        "cookie_secure": False,
        # Cheap argon2 keeps the suite fast; tests of the defaults set their own.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        "legacy_bcrypt_cost": 4,
        "service_tokens": {"internal": SERVICE_TOKEN},
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def database_name() -> str:
    return f"test_{uuid.uuid4().hex[:16]}"


@pytest.fixture
async def settings(engine: Any, database_name: str) -> AsyncIterator[Settings]:
    yield make_settings(engine.url, database_name)
    cleanup: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        engine.url, serverSelectionTimeoutMS=2000
    )
    try:
        await cleanup.drop_database(database_name)
    except Exception:  # noqa: S110 - an engine stopped by the test itself
        pass
    finally:
        await cleanup.close()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


# Field names may appear in error messages ("unknown field `passwordHash`");
# as keys with values, and hash material itself, never.
FORBIDDEN_IN_RESPONSES = ('"passwordHash":', "$argon2", "$2b$", "$2a$", '"searchTokens":')


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The app in-process. Every response body it produces is checked for
    password hashes and hidden fields when the test ends."""
    bodies: list[str] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        bodies.append(response.text)

    async with AsyncTestClient(app) as test_client:
        test_client.event_hooks["response"].append(keep)
        yield test_client
    for body in bodies:
        for needle in FORBIDDEN_IN_RESPONSES:
            assert needle not in body, f"{needle} leaked in a response"
