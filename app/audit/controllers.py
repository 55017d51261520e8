"""/api/audit-logs and /api/security-events: newest first, index-served, cursor pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from app.audit.repository import AuditLogsRepository
from app.documents import parse_id
from app.security.guards import admin_only
from app.security_events.models import Severity
from app.security_events.repository import SecurityEventsRepository

# Constraints on the outermost type (see app/users/controllers.py).
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Cursor = Annotated[str | None, QueryParameter(max_length=2048)]
Actor = Annotated[str | None, QueryParameter(max_length=80, pattern=r"^[\w:.-]+$")]
Word = Annotated[str | None, QueryParameter(max_length=64, pattern=r"^[\w.-]+$")]


class AuditLogOut(msgspec.Struct, omit_defaults=True):
    id: str = msgspec.field(name="_id")
    creation_time: float = msgspec.field(name="_creationTime")
    user_id: str = ""
    action: str = ""
    resource: str = ""
    resource_id: str = ""
    timestamp: datetime | None = None
    changes: dict[str, Any] | None = None


class SecurityEventOut(msgspec.Struct, omit_defaults=True):
    id: str = msgspec.field(name="_id")
    creation_time: float = msgspec.field(name="_creationTime")
    event_type: str = ""
    severity: str = ""
    occurred_at: datetime | None = None
    user_id: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    details: dict[str, Any] | None = None


class AuditLogPage(msgspec.Struct):
    documents: list[AuditLogOut]
    continueCursor: str
    isDone: bool


class SecurityEventPage(msgspec.Struct):
    documents: list[SecurityEventOut]
    continueCursor: str
    isDone: bool


def _equal(**filters: Any) -> dict[str, Any]:
    return {key: value for key, value in filters.items() if value is not None}


class AuditController(Controller):
    tags = ["audit"]
    guards = [admin_only]

    @get("/api/audit-logs", summary="Audit logs, newest first (by_user, by_resource, by_action)")
    async def audit_logs(
        self,
        audit_logs: NamedDependency[AuditLogsRepository],
        user_id: Actor = None,
        resource: Word = None,
        resource_id: Word = None,
        action: Word = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> AuditLogPage:
        if resource_id is not None:
            parse_id(resource_id)
        page = await audit_logs.paginate(
            _equal(user_id=user_id, resource=resource, resource_id=resource_id, action=action),
            order="desc",
            limit=limit,
            cursor=cursor,
        )
        return AuditLogPage(
            documents=msgspec.convert(page.documents, list[AuditLogOut]),
            continueCursor=page.continue_cursor,
            isDone=page.is_done,
        )

    @get(
        "/api/security-events",
        summary="Security events, newest first (by_user, by_event_type, by_severity)",
    )
    async def security_events(
        self,
        security_events_repository: NamedDependency[SecurityEventsRepository],
        user_id: Actor = None,
        event_type: Word = None,
        severity: FromQuery[Severity | None] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> SecurityEventPage:
        page = await security_events_repository.paginate(
            _equal(user_id=user_id, event_type=event_type, severity=severity),
            order="desc",
            limit=limit,
            cursor=cursor,
        )
        return SecurityEventPage(
            documents=msgspec.convert(page.documents, list[SecurityEventOut]),
            continueCursor=page.continue_cursor,
            isDone=page.is_done,
        )
