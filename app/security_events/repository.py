"""Queries on ``security_events``."""

from __future__ import annotations

from app.documents import PatchRules, Repository
from app.security_events.models import SecurityEvent


class SecurityEventsRepository(Repository):
    model = SecurityEvent
    not_found_code = "NOT_FOUND"
    # Events are append-only.
    rules = PatchRules(required=frozenset(), optional=frozenset())
