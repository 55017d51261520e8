"""Reading the audit log: newest first, its ID filters checked (AuditFilters)."""

from __future__ import annotations

from app.audit.models import AuditFilters
from app.documents.logs import LogReader
from app.rows import AuditLogRow

AuditLogs = LogReader[AuditLogRow, AuditFilters]
