"""Pass-through to the Convex deployment (``APP_CONVEX_UPSTREAM_URL``) of
``python -m app``: the exact body bytes and ``Convex-Client`` header go up,
the upstream's status, body and content type come back as they are, and
at most ``APP_CONVEX_UPSTREAM_MAX_CONCURRENCY`` calls are in flight."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.config import Settings
from tests.conftest import SERVICE_TOKEN
from tests.integration.convex_client import (
    PACKAGES,
    call,
    calls,
    convex_service,
    fake_convex,
    value,
)

TOKEN = "panel-token-" + "p" * 40
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
# Spacing, key order and escapes a re-encoding would change.
RAW = (
    b'{ "args" : [ {"b":1.50, "a":"\\u00e7\xc5\x9f"} ],\n'
    b' "path":"beneficiaries:echo", "format":"convex_encoded_json" }'
)


def service(settings: Settings, **env: str) -> Any:
    return convex_service(settings, TOKEN, **env)


async def test_calls_go_up_and_come_back_unchanged(settings: Settings) -> None:
    with fake_convex() as upstream, service(settings, APP_CONVEX_UPSTREAM_URL=upstream.url) as base:
        async with httpx.AsyncClient(base_url=f"{base}/convex", timeout=30) as http:
            echoed = await http.post(
                "/api/query", content=RAW, headers=AUTH | {"Convex-Client": "npm-9.9.9"}
            )
            teapot = await http.post(
                "/api/mutation", json={"path": "http:status418", "args": [{}]}, headers=AUTH
            )
            broken = await http.post(
                "/api/action", json={"path": "http:status500", "args": [{}]}, headers=AUTH
            )
    assert echoed.status_code == 200
    assert echoed.json() == {"status": "success", "value": {"b": 1.5, "a": "çş"}}
    first = upstream.requests[0]
    assert first["path"] == "/api/query"
    assert first["raw"] == RAW  # byte for byte
    headers = {key.lower(): item for key, item in first["headers"].items()}
    assert headers["convex-client"] == "npm-9.9.9"
    assert "authorization" not in headers  # never the service's token; no deploy key set
    # The upstream's HTTP answers as they are: status, body, content type.
    assert (teapot.status_code, teapot.content) == (418, b"upstream says no")
    assert teapot.headers["content-type"] == "text/plain; charset=utf-8"
    assert (broken.status_code, broken.content) == (500, b"upstream says no")


@pytest.mark.parametrize("package", PACKAGES)
async def test_the_real_client_through_the_pass_through(settings: Settings, package: str) -> None:
    with fake_convex() as upstream, service(settings, APP_CONVEX_UPSTREAM_URL=upstream.url) as base:
        results = await calls(
            f"{base}/convex",
            [call("mutation", "donations.create", {"amount": 10.5})],
            token=TOKEN,
            package=package,
        )
    assert value(results[0]) == {"amount": 10.5}
    headers = {key.lower(): item for key, item in upstream.requests[0]["headers"].items()}
    assert headers["convex-client"].startswith("npm-1.")


async def test_concurrency_is_bounded(settings: Settings) -> None:
    """Two slow calls hold the bound of 2: a third is refused at once (503 in
    Convex's error shape), and the bound is free again once they are answered."""
    with (
        fake_convex() as upstream,
        service(
            settings,
            APP_CONVEX_UPSTREAM_URL=upstream.url,
            APP_CONVEX_UPSTREAM_MAX_CONCURRENCY="2",
        ) as base,
    ):
        async with httpx.AsyncClient(base_url=f"{base}/convex", timeout=90) as http:

            def slow(n: int) -> Any:
                return http.post(
                    "/api/query", json={"path": f"slow:call{n}", "args": [{}]}, headers=AUTH
                )

            held = [asyncio.ensure_future(slow(n)) for n in (1, 2)]
            deadline = time.monotonic() + 60
            while len(upstream.requests) < 2:
                assert time.monotonic() < deadline, "the slow calls never reached the upstream"
                await asyncio.sleep(0.05)
            started = time.monotonic()
            over = await slow(3)
            refused_in = time.monotonic() - started
            upstream.release.set()
            answered = await asyncio.gather(*held)
            after = await slow(4)
    assert over.status_code == 503
    error = over.json()
    assert error["code"] == "SERVICE_BUSY" and error["message"] == error["error"]
    assert over.headers["retry-after"] == "1"
    assert refused_in < 20  # refused, not queued behind the held calls (a loaded machine)
    assert [r.status_code for r in answered] == [200, 200]
    assert after.status_code == 200
    assert len(upstream.requests) == 3  # the refused call never went up


async def test_a_slow_upstream_times_out_with_502(settings: Settings) -> None:
    with fake_convex() as upstream:
        app = create_app(
            settings.model_copy(
                update={
                    "convex_api_prefix": "/convex",
                    "convex_upstream_url": upstream.url,
                    "convex_upstream_timeout_seconds": 0.5,
                }
            )
        )
        async with AsyncTestClient(app) as client:
            response = await client.post(
                "/convex/api/query",
                json={"path": "slow:call", "args": [{}]},
                headers={"Authorization": f"Convex {SERVICE_TOKEN}"},
            )
    assert response.status_code == 502
    assert response.json()["code"] == "CONVEX_UNREACHABLE"
