"""Writes one audit log per mutation, with secrets redacted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.audit.models import AuditAction
from app.audit.repository import AuditLogsRepository
from app.redaction import REDACTED, is_secret_field

# Internal fields that are not part of a user's visible state.
_UNAUDITED = frozenset({"searchTokens"})


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {from, to}}`` for every changed field; secrets become "[redacted]"."""
    changes: dict[str, dict[str, Any]] = {}
    for field in sorted(set(before) | set(after)):
        if field in _UNAUDITED:
            continue
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if is_secret_field(field):
            old = REDACTED if old is not None else None
            new = REDACTED if new is not None else None
        changes[field] = {"from": old, "to": new}
    return changes


@dataclass(eq=False)
class AuditRecorder:
    repository: AuditLogsRepository

    async def record(
        self,
        actor: str,
        action: AuditAction,
        resource: str,
        resource_id: str,
        changes: dict[str, dict[str, Any]] | None,
    ) -> None:
        await self.repository.insert(
            {
                "user_id": actor,
                "action": action,
                "resource": resource,
                "resource_id": resource_id,
                "timestamp": datetime.now(UTC),
                "changes": changes or None,
            }
        )
