"""Queries on ``audit_logs``."""

from __future__ import annotations

from app.audit.models import AuditLog
from app.documents import PatchRules, Repository


class AuditLogsRepository(Repository):
    model = AuditLog
    # Audit logs are append-only.
    rules = PatchRules(required=frozenset(), optional=frozenset())
