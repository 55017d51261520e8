"""Database timeouts become 503 with Retry-After; other database errors stay 500."""

from __future__ import annotations

import asyncio
from typing import Any

import pymongo
import pytest
from pymongo import _csot
from pymongo.errors import (
    ExecutionTimeout,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
    WTimeoutError,
)

from app.config import Settings
from app.deadline import RequestDeadline
from app.error_responses import EXCEPTION_HANDLERS


class FakeURL:
    path = "/api/users"


class FakeRequest:
    method = "GET"
    url = FakeURL()
    headers: dict[str, str] = {}


def answer(exc: Exception) -> Any:
    handler = EXCEPTION_HANDLERS[pymongo.errors.PyMongoError]
    return handler(FakeRequest(), exc)


@pytest.mark.parametrize(
    "exc",
    [
        ExecutionTimeout("operation would exceed time limit", 50),
        NetworkTimeout("timed out"),
        ServerSelectionTimeoutError("no server"),
        WTimeoutError("waiting for replication timed out", 64, {"errmsg": "x"}),
    ],
)
def test_timeouts_are_503_with_retry_after(exc: Exception) -> None:
    response = answer(exc)
    assert response.status_code == 503
    assert response.content["code"] == "DATABASE_UNAVAILABLE"
    assert int(response.headers["Retry-After"]) >= 1


def test_other_database_errors_stay_500() -> None:
    response = answer(OperationFailure("bad query", 2))
    assert response.status_code == 500


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_REQUEST_TIMEOUT_MS", "2500")
    monkeypatch.setenv("APP_READY_TIMEOUT_MS", "300")
    settings = Settings()
    assert (settings.request_timeout_ms, settings.ready_timeout_ms) == (2500, 300)
    monkeypatch.setenv("APP_REQUEST_TIMEOUT_MS", "0")
    with pytest.raises(ValueError, match="request_timeout_ms"):
        Settings()


async def test_the_handler_runs_inside_the_deadline() -> None:
    seen: list[float | None] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(_csot.remaining())
        # Tasks started here (batched reads) inherit it.
        seen.append(await asyncio.create_task(remaining()))

    async def remaining() -> float | None:
        return _csot.remaining()

    await RequestDeadline(1.5).handle({"type": "http"}, None, None, app)  # type: ignore[arg-type]
    assert all(value is not None and 1.0 < value <= 1.5 for value in seen)
    assert _csot.remaining() is None  # and it ends with the request
