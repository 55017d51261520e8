"""/api/audit-logs: newest first, index-served, cursor pages."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from app.audit.models import AuditAction, AuditFilters, AuditLog
from app.audit.schemas import AuditLogOut, AuditLogPage
from app.audit.service import AuditLogs
from app.documents.extras import convert_keeping_extras, declared_fields
from app.query_params import Actor, Cursor, Limit, Word, one_of
from app.security.guards import admin_only

# Fields an import kept (not in the model) are returned as stored.
_DECLARED = declared_fields(AuditLog)


class AuditController(Controller):
    tags = ["audit"]
    guards = [admin_only]

    @get("/api/audit-logs", summary="Audit logs, newest first (by_user, by_resource, by_action)")
    async def audit_logs(
        self,
        audit_logs: NamedDependency[AuditLogs],
        user_id: Actor = None,
        resource: Word = None,
        resource_id: Word = None,
        action: Annotated[
            AuditAction | None, QueryParameter(schema_extra=one_of(AuditAction))
        ] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> AuditLogPage:
        filters = AuditFilters(
            user_id=user_id, resource=resource, resource_id=resource_id, action=action
        )
        page = await audit_logs.newest(filters, limit=limit, cursor=cursor)
        return AuditLogPage(
            documents=[convert_keeping_extras(d, AuditLogOut, _DECLARED) for d in page.documents],
            continueCursor=page.continue_cursor,
            isDone=page.is_done,
        )
