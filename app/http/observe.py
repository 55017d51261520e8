"""Around every HTTP request: its request ID, its metrics and, when enabled, its
access log line.

It wraps Litestar's whole ASGI handler (``instrument``), outside routing, so
404s and 405s are counted too (as the route ``<unmatched>``) and every
response, errors included, carries ``X-Request-ID``. The ID comes from the
request's ``X-Request-ID`` only when the peer is a trusted proxy
(``APP_TRUSTED_PROXIES``) and the value is a short token
(``REQUEST_ID_PATTERN``); otherwise it is generated. Cost: ≈4 µs per request
(README, "Metrics and logs").
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.logs import REQUEST_ID
from app.metrics import HTTP_DURATION, HTTP_REQUESTS, UNMATCHED_ROUTE, method_label
from app.security.requests import ClientResolver

access_logger = logging.getLogger("app.access")

REQUEST_ID_HEADER = b"x-request-id"
# Letters, digits and ._:- up to 64: UUIDs, nginx's $request_id, a trace ID.
REQUEST_ID_PATTERN = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# Status when no response was started (the client went away, nginx's 499).
NO_RESPONSE = 499


def new_request_id() -> str:
    return os.urandom(16).hex()


class Observe:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.resolver = ClientResolver(settings.trusted_proxies)
        # Parsing the peer's address costs ≈3 µs; peers repeat.
        self._trusts = functools.lru_cache(maxsize=4096)(self.resolver.trusts)
        self.access_log = settings.access_log
        # Label children by key: skips prometheus_client's label checks per request.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def request_id(self, scope: Scope) -> str:
        client = scope.get("client")
        if self.resolver.networks and client and self._trusts(client[0]):
            for name, value in scope["headers"]:
                if name == REQUEST_ID_HEADER:
                    if REQUEST_ID_PATTERN.fullmatch(value):
                        return value.decode()
                    break
        return new_request_id()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = self.request_id(scope)
        token = REQUEST_ID.set(request_id)
        echoed = (REQUEST_ID_HEADER, request_id.encode())
        status = NO_RESPONSE

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("path_template") or UNMATCHED_ROUTE
            method = scope["method"]
            self._count(route, method, status, elapsed)
            if self.access_log:
                self._log(scope, route, method, status, elapsed)
            REQUEST_ID.reset(token)

    def _count(self, route: str, method: str, status: int, elapsed: float) -> None:
        key = (route, method, status)
        series = self._series.get(key)
        if series is None:
            label = method_label(method)
            series = (
                HTTP_REQUESTS.labels(route, label, str(status)),
                HTTP_DURATION.labels(route, label),
            )
            # Bounded: routes x known methods x status codes.
            if label == method:
                self._series[key] = series
        series[0].inc()
        series[1].observe(elapsed)

    def _log(self, scope: Scope, route: str, method: str, status: int, elapsed: float) -> None:
        client = self.resolver(ASGIConnection(scope)).ip_address
        access_logger.info(
            "%s %s %d %.1f ms",
            method,
            scope["path"],
            status,
            elapsed * 1000,
            extra={
                "method": method,
                # The path without its query string (which may hold an email).
                "path": scope["path"],
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 3),
                "client": client,
            },
        )


def instrument(app: Litestar, settings: Settings) -> Litestar:
    """Wrap the app's ASGI handler (as Litestar's OpenTelemetry plugin does)."""
    app.asgi_handler = Observe(app.asgi_handler, settings)
    return app
