"""``scripts/bench micro observe``: what ``app/http/observe.py`` adds to a request
(request ID, metrics, optional access log), around an app that answers at once,
in this process, best of 5 rounds of 20,000 requests (the figures README cites)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any, TextIO

from litestar.types import Message, Receive, Scope, Send

from app.config import Settings
from app.http.observe import Observe
from app.logs import JsonFormatter, RequestContext

ROUNDS, REQUESTS = 5, 20_000


async def _empty_app(scope: Scope, receive: Receive, send: Send) -> None:
    scope["path_template"] = "/api/users/{id}"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _send(message: Message) -> None:
    return None


async def _receive() -> Any:
    return {"type": "http.request", "body": b""}


async def _cost(app: Any) -> float:
    """Microseconds of CPU per request, best of ``ROUNDS``."""
    rounds = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(REQUESTS):
            scope: Any = {
                "type": "http",
                "method": "GET",
                "path": "/api/users/k57",
                "headers": [(b"host", b"service")],
                "client": ("127.0.0.1", 50000),
            }
            await app(scope, _receive, _send)
        rounds.append((time.process_time() - started) / REQUESTS * 1e6)
    return min(rounds)


async def _observe(sink: TextIO) -> None:
    plain = await _cost(_empty_app)
    cases = {
        "request ID and metrics": Settings(),
        "… with APP_TRUSTED_PROXIES": Settings(trusted_proxies=["10.0.0.0/8"]),
        "… with the access log (JSON)": Settings(access_log=True),
    }
    access = logging.getLogger("app.access")
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False
    try:
        for label, settings in cases.items():
            added = await _cost(Observe(_empty_app, settings)) - plain
            print(f"{label}: +{added:.1f} µs per request")
    finally:
        access.removeHandler(handler)
        access.propagate = True


def observe() -> None:
    with open(os.devnull, "w") as sink:  # the access log's lines, formatted and dropped
        asyncio.run(_observe(sink))
