"""``/metrics`` in Prometheus' text format, off unless configured.

- ``APP_METRICS_TOKEN``: ``GET /metrics`` on the API port answers only to
  ``Authorization: Bearer <token>`` (401 otherwise). It is not a session or
  a service token: the API's authentication never sees it.
- ``APP_METRICS_PORT``: a second listener on ``APP_METRICS_HOST`` (127.0.0.1
  by default) serves ``/metrics`` without a token; the network is its
  protection (a scrape port that the load balancer does not expose).

Neither set: no ``/metrics`` anywhere (404 like any unknown path).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.handlers import HTTPRouteHandler
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, REGISTRY, generate_latest
from prometheus_client.exposition import start_http_server

from app.config import Settings
from app.errors import Unauthenticated
from app.security.requests import PUBLIC

logger = logging.getLogger("app.metrics")

METRICS_PATH = "/metrics"


def metrics_route(token: str) -> HTTPRouteHandler:
    expected = token.encode()

    @get(
        METRICS_PATH,
        opt={PUBLIC: True},
        include_in_schema=False,
        sync_to_thread=False,
        media_type=CONTENT_TYPE_PLAIN_0_0_4,
    )
    def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise Unauthenticated()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_PLAIN_0_0_4)

    return metrics


def metrics_routes(settings: Settings) -> list[HTTPRouteHandler]:
    if settings.metrics_token is None:
        return []
    return [metrics_route(settings.metrics_token.get_secret_value())]


def metrics_listener(
    settings: Settings,
) -> Callable[[Litestar], AbstractAsyncContextManager[None]] | None:
    """A lifespan that serves ``/metrics`` on ``APP_METRICS_PORT`` while the app runs."""
    port = settings.metrics_port
    if port is None:
        return None
    host = settings.metrics_host

    @asynccontextmanager
    async def listener(_: Litestar) -> AsyncIterator[None]:
        # prometheus_client's own server, in a thread of this worker process.
        server, thread = start_http_server(port, addr=host)
        logger.info("metrics on http://%s:%d%s", host, port, METRICS_PATH)
        try:
            yield
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    return listener
