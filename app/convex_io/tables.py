"""The panel's four Convex tables and the service's collections, field by field
(CONVEX.md §3.2), both ways.

``to_stored`` turns one panel document into the stored one, checked against
the collection's model, with the fields the service does not know set apart;
``to_panel`` is the way back (export). Times the panel keeps as ISO strings
become what the service stores (ms for sessions, BSON dates for events and
audit logs; the user's ISO strings stay strings), always whole milliseconds,
so nothing is rounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

from beanie import Document
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from app.audit.models import AuditLog
from app.auth.models import Session
from app.clock import datetime_of_ms, js_iso, ms_of_datetime, parse_js_iso
from app.convex_io.values import storage_problem
from app.documents import CREATION_TIME, ID_FIELD, is_valid_id
from app.documents.extras import declared_fields
from app.security_events.models import SecurityEvent
from app.users.emails import InvalidEmail, normalize_email
from app.users.models import SEARCH_TOKENS, User
from app.users.search import search_tokens

# An imported session has no token (Convex never had one). Its token_hash must
# still be unique: this prefix can never be a SHA-256 in hex.
IMPORTED_TOKEN_PREFIX = "imported:"  # noqa: S105 - not a secret
PASSWORD_HASH_PREFIXES = ("$2a$", "$2b$", "$2y$", "$argon2id$")


class Invalid(ValueError):
    """A document the service cannot take; the message is the reason (field
    names, never values: a value may be a password hash)."""


@dataclass(frozen=True)
class Field:
    panel: str
    stored: str
    kind: str = "same"  # same | ms (ISO <-> float ms) | date (ISO <-> BSON date) | payload


@dataclass(frozen=True)
class Options:
    """How documents are mapped (one per pass over a table)."""

    # Imported session history is kept this long after its last activity (TTL).
    session_history_ms: float = 365 * 86_400_000
    # Compute the derived fields (search helpers); a check-only pass skips them.
    derive: bool = True
    # Stored forms of the emails seen (the first pass fills it, the second reads
    # it: the rule costs ~100 µs an address).
    emails: dict[str, str] = field(default_factory=dict)


@dataclass
class Mapped:
    document: dict[str, Any]
    unknown: dict[str, Any] = field(default_factory=dict)


def _checker(model: type[Document]) -> type[BaseModel]:
    """The model's fields as a strict plain model (a Beanie document validates
    only once Beanie is bound, and coerces "1" to True)."""
    own = {
        name: (info.annotation, info)
        for name, info in model.model_fields.items()
        if name == "id" or name not in Document.model_fields
    }
    config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)
    checker: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"{model.__name__}Check", __config__=config, **own
    )
    return checker


def _field_name_problem(name: str) -> str | None:
    if not name or not all(32 <= ord(char) <= 126 for char in name):
        return f"the field name {name!r} is not printable ASCII"
    if name.startswith(("$", "_")) or "." in name:
        return f"the field name {name!r} cannot be stored"
    return None


class TableMapping:
    panel: ClassVar[str]
    model: ClassVar[type[Document]]
    fields: ClassVar[tuple[Field, ...]]

    def __init__(self) -> None:
        self.collection: str = self.model.Settings.name
        self._by_panel = {item.panel: item for item in self.fields}
        self._panel_name = {item.stored: item.panel for item in self.fields}
        self._declared = declared_fields(self.model)
        self._check = _checker(self.model)

    def to_stored(self, document: dict[str, Any], options: Options) -> Mapped:
        stored = {ID_FIELD: _document_id(document), CREATION_TIME: _creation_time(document)}
        unknown: dict[str, Any] = {}
        for key, value in document.items():
            if key in (ID_FIELD, CREATION_TIME):
                continue
            rule = self._by_panel.get(key)
            if rule is not None:
                if value is not None:  # the service never stores null for "unset"
                    stored[rule.stored] = _to_stored(rule, value)
                continue
            if key in self._declared:
                raise Invalid(f"{key}: a field of the service's own, not of the panel")
            problem = _field_name_problem(key) or storage_problem(value, key)
            if problem:
                raise Invalid(problem)
            unknown[key] = value
        self.finish(stored, options)
        try:
            self._check.model_validate(stored)
        except ValidationError as exc:
            raise Invalid(self._reasons(exc)) from None
        return Mapped(stored, unknown)

    def _reasons(self, exc: ValidationError) -> str:
        reasons = []
        for error in exc.errors(include_input=False, include_url=False):
            path = [str(part) for part in error["loc"]]
            if path:
                path[0] = self._panel_name.get(path[0], path[0])
            reasons.append(f"{'.'.join(path)}: {error['msg']}")
        return "; ".join(reasons)

    def finish(self, stored: dict[str, Any], options: Options) -> None:
        """Derived and defaulted fields of the stored document."""

    def to_panel(self, stored: dict[str, Any]) -> dict[str, Any]:
        panel = {ID_FIELD: stored[ID_FIELD], CREATION_TIME: float(stored[CREATION_TIME])}
        for rule in self.fields:
            value = stored.get(rule.stored)
            if value is not None:
                panel[rule.panel] = _to_panel(rule, value)
        # Fields an import kept (the model does not declare them) go back as they came.
        panel.update((key, value) for key, value in stored.items() if key not in self._declared)
        return panel


def _document_id(document: dict[str, Any]) -> str:
    value = document.get(ID_FIELD)
    if not is_valid_id(value):
        raise Invalid("_id: missing or not a document ID")
    return str(value)


def _creation_time(document: dict[str, Any]) -> float:
    value = document.get(CREATION_TIME)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("_creationTime: missing or not a number")
    if not math.isfinite(value) or value < 0:
        raise Invalid("_creationTime: must be finite and not negative")
    return float(value)


def _to_stored(rule: Field, value: Any) -> Any:
    if rule.kind in ("ms", "date"):
        if not isinstance(value, str):
            raise Invalid(f"{rule.panel}: must be an ISO time string")
        try:
            ms = parse_js_iso(value)
        except ValueError as exc:
            raise Invalid(f"{rule.panel}: not an ISO time ({exc})") from None
        return float(ms) if rule.kind == "ms" else datetime_of_ms(ms)
    if rule.kind == "payload":
        problem = storage_problem(value, rule.panel)
        if problem:
            raise Invalid(problem)
    return value


def _to_panel(rule: Field, value: Any) -> Any:
    if rule.kind == "ms":
        return js_iso(int(value))
    if rule.kind == "date":
        return js_iso(ms_of_datetime(value))
    return value


def _same(names: str, kind: str = "same") -> tuple[Field, ...]:
    """Fields stored under the panel's own names."""
    return tuple(Field(name, name, kind) for name in names.split())


class Users(TableMapping):
    panel = "users"
    model = User
    # updatedAt is the service's own (the panel's schema lacks it).
    fields = _same(
        "name email role permissions phone avatar isActive labels createdAt lastLogin"
        " updatedAt passwordHash two_factor_enabled"
    )

    def finish(self, stored: dict[str, Any], options: Options) -> None:
        email = stored.get("email")
        if isinstance(email, str):
            if email not in options.emails:
                try:
                    options.emails[email] = normalize_email(email)
                except InvalidEmail as exc:
                    raise Invalid(str(exc)) from None
            stored["email"] = options.emails[email]
        stored.setdefault("permissions", [])
        password_hash = stored.get("passwordHash")
        if isinstance(password_hash, str) and not password_hash.startswith(PASSWORD_HASH_PREFIXES):
            raise Invalid("passwordHash: not a bcrypt ($2a$, $2b$, $2y$) or argon2id hash")
        for name in ("createdAt", "lastLogin", "updatedAt"):
            if isinstance(stored.get(name), str):
                try:
                    parse_js_iso(stored[name])  # kept as written: the panel compares strings
                except ValueError as exc:
                    raise Invalid(f"{name}: not an ISO time ({exc})") from None
        if options.derive and isinstance(stored.get("name"), str):
            stored[SEARCH_TOKENS] = search_tokens(stored["name"])


class Sessions(TableMapping):
    panel = "user_sessions"
    model = Session
    fields = (
        *_same("user_id device_info ip_address user_agent is_active revocation_reason"),
        *_same("last_activity created_at revoked_at", "ms"),
    )

    def finish(self, stored: dict[str, Any], options: Options) -> None:
        """No token, so never usable: inactive, its history kept (TTL from
        its last activity, like the security events)."""
        document_id = stored[ID_FIELD]
        stored["session_id"] = document_id
        stored["token_hash"] = IMPORTED_TOKEN_PREFIX + document_id
        if not isinstance(stored.get("is_active", False), bool):
            raise Invalid("is_active: must be a boolean")
        stored["is_active"] = False
        last_activity = stored.get("last_activity")
        if isinstance(last_activity, float):
            stored["expires_at"] = last_activity
            stored["purge_at"] = datetime_of_ms(int(last_activity + options.session_history_ms))


class SecurityEvents(TableMapping):
    panel = "security_events"
    model = SecurityEvent
    fields = (
        *_same("event_type user_id ip_address user_agent severity reviewed"),
        *_same("details", "payload"),
        *_same("occurred_at", "date"),
    )

    def to_panel(self, stored: dict[str, Any]) -> dict[str, Any]:
        panel = super().to_panel(stored)
        panel.setdefault("reviewed", False)  # required by the panel; the service never sets it
        return panel


class AuditLogs(TableMapping):
    panel = "audit_logs"
    model = AuditLog
    # The panel's camelCase audit fields, stored in the service's snake_case.
    fields = (
        Field("userId", "user_id"),
        Field("userName", "user_name"),
        Field("resourceId", "resource_id"),
        Field("ipAddress", "ip_address"),
        Field("userAgent", "user_agent"),
        *_same("action resource"),
        *_same("changes metadata", "payload"),
        *_same("timestamp", "date"),
    )


@cache
def mappings() -> dict[str, TableMapping]:
    """By panel table name, in the order an import writes them (users first);
    shared, not to be changed."""
    return {
        mapping.panel: mapping for mapping in (Users(), Sessions(), SecurityEvents(), AuditLogs())
    }
