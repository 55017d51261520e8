"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings, get_settings
from tests.integration.helpers import DEFAULT_PASSWORD, Store


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    """Raw access to this test's database, from the test's own event loop."""
    store = Store(settings)
    yield store
    await store.close()


@pytest.fixture(params=["mongoeco", "nx27017"])
def engine_name(request: pytest.FixtureRequest) -> str:
    """For tests that start (and stop) a private engine of each kind."""
    return str(request.param)


@pytest.fixture
async def admin(client: AsyncTestClient[Litestar], store: Store) -> dict[str, Any]:
    """A signed-in admin (the client carries the session cookie)."""
    user = await store.add_user("admin@example.org", role="admin", permissions=["users:manage"])
    response = await client.post(
        "/api/auth/login", json={"email": "admin@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    return user


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[Settings]:
    """The management CLI pointed at this test's database."""
    monkeypatch.setenv("APP_MONGODB_URL", settings.mongodb_url or "")
    monkeypatch.setenv("APP_DATABASE", settings.database)
    monkeypatch.setenv("LITESTAR_APP", "app:create_app")
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()
