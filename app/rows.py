"""Typed rows: what repositories hand to the layers above.

A row is the stored document as a ``TypedDict`` (no copy, no validation on
the hot read path), one per collection. Each names the fields of its Beanie
model (``app/*/models.py``), ``NotRequired`` where the model has a default or
the field is hidden; ``tests/unit/test_rows.py`` holds the two together. They
live in this leaf module so that every layer, down to the caller's
``Principal``, can name them.
"""

# No ``from __future__ import annotations`` here: TypedDict reads NotRequired
# from evaluated annotations only.
from datetime import datetime
from typing import Any, NotRequired, TypedDict


class DocumentRow(TypedDict):
    """The system fields every document has (Convex's model)."""

    _id: str
    _creationTime: float


class UserRow(DocumentRow):
    name: str
    email: str
    role: str
    permissions: NotRequired[list[str]]
    isActive: NotRequired[bool]
    phone: NotRequired[str]
    avatar: NotRequired[str]
    labels: NotRequired[list[str]]
    createdAt: NotRequired[str]
    lastLogin: NotRequired[str]
    updatedAt: NotRequired[str]
    two_factor_enabled: NotRequired[bool]
    # Present only when a repository is asked for hidden fields.
    passwordHash: NotRequired[str]
    searchTokens: NotRequired[list[str]]


class SessionRow(DocumentRow):
    user_id: str
    session_id: str
    token_hash: NotRequired[str]  # hidden: read only by the token lookup
    ip_address: NotRequired[str]
    user_agent: NotRequired[str]
    created_at: float
    last_activity: float
    expires_at: float
    is_active: NotRequired[bool]
    revoked_at: NotRequired[float]
    revocation_reason: NotRequired[str]
    device_info: NotRequired[str]
    purge_at: datetime


class LoginCounterRow(DocumentRow):
    kind: str
    email: NotRequired[str]
    ip: NotRequired[str]
    failures: NotRequired[int]
    window_start: float
    locked_until: NotRequired[float]
    purge_at: datetime


class AuditLogRow(DocumentRow):
    user_id: str
    action: str
    resource: str
    resource_id: str
    timestamp: datetime
    changes: NotRequired[dict[str, Any]]
    user_name: NotRequired[str]
    ip_address: NotRequired[str]
    user_agent: NotRequired[str]
    metadata: NotRequired[dict[str, Any]]


class SecurityEventRow(DocumentRow):
    user_id: NotRequired[str]
    event_type: str
    ip_address: NotRequired[str]
    user_agent: NotRequired[str]
    occurred_at: datetime
    details: NotRequired[dict[str, Any]]
    severity: str
    reviewed: NotRequired[bool]


class ServiceTokenRow(DocumentRow):
    name: str
    token_hash: NotRequired[str]  # hidden: read only by the token lookup
    scopes: NotRequired[list[str]]
    created_at: datetime
    revoked_at: NotRequired[float]
    is_active: NotRequired[bool]


class IdempotencyRow(DocumentRow):
    operation: str
    actor: str
    fingerprint: str
    resource_id: str
    purge_at: datetime
