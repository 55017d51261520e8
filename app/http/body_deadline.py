"""A deadline for the whole request body, which the HTTP server does not have.

granian (hyper) times out a request head, but once the head is in it waits for
the body for ever: ``Content-Length: 100`` followed by 10 bytes held the
connection and a request task with it. This middleware reads the body before
the route does, all of it within ``APP_BODY_READ_TIMEOUT_SECONDS`` (a total,
so a body trickled a byte at a time is bounded too), then hands the route the
buffered body. Too late: 408 ``REQUEST_TIMEOUT`` with ``Connection: close``.

A client that goes away mid-body gets 499 (nginx's "client closed request",
seen only in an access log) instead of Litestar's "client disconnected
prematurely" 500.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseStartEvent,
    HTTPScope,
    Receive,
    Scope,
    Send,
)

from app.error_responses import wants_turkish
from app.errors import MESSAGES, ErrorCode

logger = logging.getLogger("app.http")


def _needs_reading(scope: HTTPScope, max_body_bytes: int) -> bool:
    """A body is coming that the route would read (one over the limit is 413 unread)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return 0 < int(value) <= max_body_bytes
            except ValueError:
                return False  # hyper has already refused it
        if name == b"transfer-encoding":
            return True
    return False


async def _reject(scope: HTTPScope, send: Send, status: int, code: ErrorCode) -> None:
    english, turkish = MESSAGES[code]
    text = turkish if wants_turkish(Request(scope)) else english
    body = msgspec.json.encode({"success": False, "code": code, "error": text})
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            # The rest of the body may still arrive; it must not be read as a request.
            (b"connection", b"close"),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


class BodyDeadline:
    def __init__(self, app: ASGIApp, timeout_seconds: float, max_body_bytes: int) -> None:
        self.app = app
        self.timeout_seconds = timeout_seconds
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not _needs_reading(scope, self.max_body_bytes):
            await self.app(scope, receive, send)
            return
        await self._buffered(scope, receive, send)

    async def _buffered(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        more = True
        try:
            async with asyncio.timeout(self.timeout_seconds):
                while more:
                    message: dict[str, Any] = dict(await receive())
                    if message["type"] == "http.disconnect":
                        logger.debug("client left before the body of %s arrived", scope["path"])
                        await _reject(scope, send, 499, ErrorCode.CLIENT_CLOSED_REQUEST)
                        return
                    chunk = message.get("body", b"")
                    if chunk:
                        chunks.append(chunk)
                        size += len(chunk)
                    more = message.get("more_body", False)
                    if size > self.max_body_bytes:
                        break  # the route answers 413 from what it gets
        except TimeoutError:
            logger.info(
                "request body of %s %s incomplete after %g s: 408, connection closed",
                scope["method"],
                scope["path"],
                self.timeout_seconds,
            )
            await _reject(scope, send, 408, ErrorCode.REQUEST_TIMEOUT)
            return

        first: Any = {"type": "http.request", "body": b"".join(chunks), "more_body": more}

        async def replay() -> Any:
            nonlocal first
            if first is not None:
                message, first = first, None
                return message
            return await receive()

        await self.app(scope, replay, send)
