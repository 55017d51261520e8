"""/api/security-events: newest first, index-served, cursor pages."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from app.documents.extras import convert_keeping_extras, declared_fields
from app.query_params import Actor, Cursor, Limit, one_of
from app.security.guards import admin_only
from app.security_events.models import EventType, SecurityEvent, SecurityEventFilters, Severity
from app.security_events.schemas import SecurityEventOut, SecurityEventPage
from app.security_events.service import SecurityEvents

# Fields an import kept (not in the model) are returned as stored.
_DECLARED = declared_fields(SecurityEvent)


class SecurityEventsController(Controller):
    tags = ["audit"]
    guards = [admin_only]

    @get(
        "/api/security-events",
        summary="Security events, newest first (by_user, by_event_type, by_severity)",
    )
    async def security_events(
        self,
        security_events: NamedDependency[SecurityEvents],
        user_id: Actor = None,
        event_type: Annotated[
            EventType | None, QueryParameter(schema_extra=one_of(EventType))
        ] = None,
        severity: Annotated[Severity | None, QueryParameter(schema_extra=one_of(Severity))] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> SecurityEventPage:
        filters = SecurityEventFilters(user_id=user_id, event_type=event_type, severity=severity)
        page = await security_events.newest(filters, limit=limit, cursor=cursor)
        return SecurityEventPage(
            documents=[
                convert_keeping_extras(d, SecurityEventOut, _DECLARED) for d in page.documents
            ],
            continueCursor=page.continue_cursor,
            isDone=page.is_done,
        )
