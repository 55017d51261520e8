"""One deadline for all the database work of a request (PyMongo's client-side
operation timeout, CSOT).

Every PyMongo call made while a request is handled (authentication included,
and batched reads, which run in the context of the request that started
them) shares the deadline that starts when the request arrives. When it
passes, PyMongo stops waiting for server selection, a connection or a reply
and raises a timeout error, which app/errors.py answers with 503
DATABASE_UNAVAILABLE and Retry-After. Time spent off the database (a login's
password hash) counts too: the deadline bounds the whole request.
"""

from __future__ import annotations

import pymongo
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send


class RequestDeadline(ASGIMiddleware):
    """Outermost middleware: every request runs inside ``pymongo.timeout``."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # A context variable: the handler runs in this task and sees it.
        with pymongo.timeout(self.seconds):
            await next_app(scope, receive, send)
