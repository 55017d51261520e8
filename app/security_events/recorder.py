"""Writes one security event per auth-relevant action; never a secret."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.clock import now_ms
from app.documents import RANDOM_BYTES, DuplicateKey
from app.redaction import redact
from app.security.principal import ClientInfo
from app.security_events.models import EventType, Severity
from app.security_events.repository import SecurityEventsRepository

# Repeats of one event from one actor within this window are counted in the
# first event's ``details.count`` instead of adding documents.
AGGREGATION_WINDOW_MS = 60_000


@dataclass(eq=False)
class SecurityEventRecorder:
    repository: SecurityEventsRepository

    async def record(
        self,
        event_type: EventType,
        severity: Severity,
        client: ClientInfo,
        *,
        user_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        details = redact(details) if details else None
        await self.repository.insert(_event(event_type, severity, client, user_id, details))

    async def record_counted(
        self,
        event_type: EventType,
        severity: Severity,
        client: ClientInfo,
        *,
        key: tuple[str, ...],
        user_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """At most one document per ``key`` and minute; repeats increment its
        ``details.count``. Shared by every instance: the document's ``_id`` is
        derived from the key and the minute, so the database decides."""
        window = int(now_ms() // AGGREGATION_WINDOW_MS)
        material = "\x00".join((event_type, *key, str(window))).encode()
        # A Convex ID of the table like every other event's, its random part
        # taken from the key and its day from the window.
        event_id = self.repository.new_id(
            entropy=hashlib.sha256(material).digest()[:RANDOM_BYTES],
            at_ms=window * AGGREGATION_WINDOW_MS,
        )
        if await self.repository.count_repeat(event_id):
            return
        counted = {**redact(details or {}), "count": 1}
        document = _event(event_type, severity, client, user_id, counted)
        try:
            await self.repository.insert(document, doc_id=event_id)
        except DuplicateKey:
            # Another request (or instance) wrote it first.
            await self.repository.count_repeat(event_id)


def _event(
    event_type: str,
    severity: Severity,
    client: ClientInfo,
    user_id: str | None,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    """A new event document; ``details`` already redacted."""
    return {
        "event_type": event_type,
        "severity": severity,
        "occurred_at": datetime.now(UTC),
        "user_id": user_id,
        "ip_address": client.ip_address,
        "user_agent": (client.user_agent or "")[:512] or None,
        "details": details,
    }
