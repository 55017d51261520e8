"""Writes one security event per auth-relevant action; never a secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.redaction import redact
from app.security_events.models import Severity
from app.security_events.repository import SecurityEventsRepository


@dataclass(frozen=True)
class ClientInfo:
    ip_address: str | None
    user_agent: str | None


class SecurityEventRecorder:
    def __init__(self, repository: SecurityEventsRepository) -> None:
        self.repository = repository

    async def record(
        self,
        event_type: str,
        severity: Severity,
        client: ClientInfo,
        *,
        user_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        document: dict[str, Any] = {
            "event_type": event_type,
            "severity": severity,
            "occurred_at": datetime.now(UTC),
            "user_id": user_id,
            "ip_address": client.ip_address,
            "user_agent": (client.user_agent or "")[:512] or None,
            "details": redact(details) if details else None,
        }
        await self.repository.insert(document)
