"""Calls of functions the service does not own go to the Convex deployment
(``APP_CONVEX_UPSTREAM_URL``) unchanged: the same endpoint, the same body
bytes, the client's ``Convex-Client`` header; the answer (status, body,
content type) comes back as it is.

The caller's ``Authorization`` is never forwarded: it is this service's
token. Forwarded calls carry ``Authorization: Convex
<APP_CONVEX_UPSTREAM_DEPLOY_KEY>`` when that is set, and nothing otherwise
(the panel's own calls carried none).

At most ``APP_CONVEX_UPSTREAM_MAX_CONCURRENCY`` calls are in flight; one more
answers 503 ``SERVICE_BUSY`` at once: a slow deployment must not pile up
waiting requests (and their memory) in this process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from app.errors import AppError, ErrorCode, ServiceBusy

logger = logging.getLogger("app.convex_api")


class ConvexUnreachable(AppError, code=ErrorCode.CONVEX_UNREACHABLE, status=502):
    """502: the deployment did not answer (its answers, errors included, are passed on)."""


@dataclass(frozen=True)
class Forwarded:
    status_code: int
    body: bytes
    content_type: str


class Forwarder:
    def __init__(
        self,
        base_url: str,
        deploy_key: str | None,
        timeout_seconds: float,
        max_concurrency: int,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_concurrency = max_concurrency
        # A counter, not a semaphore: over the bound is a refusal, never a wait.
        # The event loop is single-threaded, so check-and-increment cannot race.
        self.in_flight = 0
        self._headers = {"Content-Type": "application/json"}
        if deploy_key:
            self._headers["Authorization"] = f"Convex {deploy_key}"
        # One pool for the process; created on first use, in the serving loop.
        self._timeout = httpx.Timeout(timeout_seconds)
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout,
                follow_redirects=False,
                # The pool never queues below the bound (httpx's default is 100).
                limits=httpx.Limits(max_connections=self.max_concurrency),
            )
        return self._client

    async def forward(self, endpoint: str, body: bytes, convex_client: str | None) -> Forwarded:
        headers = dict(self._headers)
        if convex_client:
            headers["Convex-Client"] = convex_client
        if self.in_flight >= self.max_concurrency:
            logger.warning("convex upstream busy: %d calls in flight", self.in_flight)
            raise ServiceBusy()
        self.in_flight += 1
        try:
            response = await self._http().post(
                f"{self.base_url}/api/{endpoint}", content=body, headers=headers
            )
        except httpx.HTTPError as exc:
            logger.warning("convex deployment unreachable (%s): %s", endpoint, type(exc).__name__)
            raise ConvexUnreachable() from None
        finally:
            self.in_flight -= 1
        return Forwarded(
            response.status_code,
            response.content,
            response.headers.get("content-type", "application/json"),
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
