"""Queries on ``audit_logs``."""

from __future__ import annotations

from app.audit.models import AuditLog
from app.documents.logs import LogRepository
from app.rows import AuditLogRow


class AuditLogsRepository(LogRepository[AuditLogRow]):
    model = AuditLog
    table = "audit_logs"
