"""Answering a denied request: 403 FORBIDDEN and one ``permission_denied`` event
per actor, permission, method and route per minute, counted (a loop of 403s
from one user grows ``details.count``, not the collection).

Built with the app's own recorder and client resolver (a closure), so guards
need neither a dependency nor ``app.state``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from pymongo.errors import PyMongoError

from app.error_responses import app_error_response
from app.security.guards import PermissionDenied
from app.security.requests import ClientResolver
from app.security_events.models import EventType
from app.security_events.recorder import SecurityEventRecorder

logger = logging.getLogger("app.security")

DenialHandler = Callable[[Request[Any, Any, Any], PermissionDenied], Response[dict[str, Any]]]


def denial_handler(recorder: SecurityEventRecorder, clients: ClientResolver) -> DenialHandler:
    def handle(request: Request[Any, Any, Any], exc: PermissionDenied) -> Response[dict[str, Any]]:
        principal = exc.principal
        method = request.method
        # The route's template, not the path: varying an ID must not defeat the count.
        route = str(request.scope.get("path_template") or request.url.path)
        # Exception handlers are synchronous: the event is written right after
        # the answer is sent, in the same request.
        record = BackgroundTask(
            _record_quietly,
            recorder,
            EventType.PERMISSION_DENIED,
            clients(request),
            key=(principal.actor, exc.needed, method, route),
            user_id=principal.user_id,
            details={
                "actor": principal.actor,
                "needed": exc.needed,
                "method": method,
                "route": route,
                "path": request.url.path,
            },
        )
        response = app_error_response(request, exc)
        response.background = record
        return response

    return handle


async def _record_quietly(recorder: SecurityEventRecorder, *args: Any, **kwargs: Any) -> None:
    """The 403 has been sent; a database outage loses the event with one log line."""
    try:
        await recorder.record_counted(*args, **kwargs)
    except PyMongoError as exc:
        logger.warning("permission_denied event not written: %s", type(exc).__name__)
