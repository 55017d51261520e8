"""Reading security events: newest first, the user filter checked (SecurityEventFilters)."""

from __future__ import annotations

from app.documents.logs import LogReader
from app.rows import SecurityEventRow
from app.security_events.models import SecurityEventFilters

SecurityEvents = LogReader[SecurityEventRow, SecurityEventFilters]
