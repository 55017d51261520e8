"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.config import Settings
from tests.integration.helpers import Store


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
