"""One deadline for all the database work of a request (PyMongo's client-side
operation timeout, CSOT).

Every PyMongo call made while a request is handled (authentication included,
and batched reads, which run in the context of the request that started
them) shares the deadline that starts when the request arrives. When it
passes, PyMongo stops waiting for server selection, a connection or a reply
and raises a timeout error, which app/errors.py answers with 503
DATABASE_UNAVAILABLE and Retry-After.

Routes that hash a password (login, password change, internal verify) opt
out with ``OWN_DEADLINE`` and give each of their database phases, before
and after the hash, a deadline of its own: waiting for a hashing thread is
bounded by the hashing queue, and must not turn a login under load into a
503.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import pymongo
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

# Route opt key: the handler's service sets its own database deadlines.
OWN_DEADLINE = "own_database_deadline"


def database_deadline(seconds: float) -> AbstractContextManager[object]:
    """Every PyMongo call inside shares one deadline (capped by an outer one)."""
    return pymongo.timeout(seconds)


class RequestDeadline(ASGIMiddleware):
    """Outermost middleware: every request runs inside ``pymongo.timeout``."""

    scopes = (ScopeType.HTTP,)
    exclude_opt_key = OWN_DEADLINE

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # A context variable: the handler runs in this task and sees it.
        with pymongo.timeout(self.seconds):
            await next_app(scope, receive, send)
