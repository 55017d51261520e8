"""Response bodies of /api/security-events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


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
    reviewed: bool | None = None


class SecurityEventPage(msgspec.Struct):
    documents: list[SecurityEventOut]
    continueCursor: str
    isDone: bool
