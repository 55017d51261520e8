"""The panel's Convex functions of ``auth``, ``users`` and ``audit_logs``
(CONVEX.md §3.3) on the service's own rules; ``registry`` names them with
their argument validators.

Documents go out in the panel's field names (``app.convex_io.tables``), never
with ``passwordHash``. Deviations from the panel's Convex code are listed in
the README ("Convex function API").
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from app.audit.models import AuditFilters
from app.audit.service import AuditLogs
from app.auth.credentials import Credentials
from app.auth.password_changes import PasswordChanges
from app.constraints import struct_problems, type_info
from app.convex_api.validators import Object
from app.convex_io.tables import mappings
from app.documents import TableNumbers
from app.errors import UserNotFound, ValidationError
from app.field_problems import FieldProblem
from app.rows import UserRow
from app.security.principal import Caller, ClientInfo
from app.security_events.models import EventType
from app.security_events.recorder import SecurityEventRecorder
from app.users.emails import InvalidEmail
from app.users.filters import UserFilters
from app.users.schemas import UserCreate, UserPatch
from app.users.service import UsersService

Kind = Literal["query", "mutation", "action"]
PASSWORD_HASH = "passwordHash"  # noqa: S105 - a field name
# What bcryptjs writes ($2b$) and reads ($2a$, $2y$): cost, 22 characters of
# salt and 31 of hash in bcrypt's base64.
_BCRYPT = re.compile(r"\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}")
LIST_DEFAULT, LIST_MAX = 50, 100
AUDIT_DEFAULT, AUDIT_MAX = 100, 1000


@dataclass(eq=False, kw_only=True)
class Backends:
    """The services the functions run on (built by the container)."""

    users: UsersService
    password_changes: PasswordChanges
    credentials: Credentials
    audit_logs: AuditLogs
    events: SecurityEventRecorder
    tables: TableNumbers
    # A stored bcrypt hash may cost at most this (APP_LEGACY_BCRYPT_COST): every
    # password check is padded to one such verify, so a costlier hash would
    # make logins slower than the padding hides.
    max_bcrypt_cost: int


Handler = Callable[[Backends, Caller, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Function:
    kind: Kind
    args: Object
    handler: Handler


def panel_user(row: UserRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    document = mappings()["users"].to_panel(dict(row))
    document.pop(PASSWORD_HASH, None)
    return document


def _converted[S: msgspec.Struct](data: dict[str, Any], kind: type[S]) -> S:
    """The REST API's field rules (name, email, phone, labels, …) for the same fields."""
    # Every refused field at once, each from where it is checked (app/constraints.py).
    errors = struct_problems(data, type_info(kind))
    if errors:
        raise ValidationError.fields(errors)
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError:
        # The Struct's own checks (``__post_init__``) raise the service's errors;
        # anything else the walk above missed is still a 400, never a 500.
        raise ValidationError.field("args", FieldProblem.INVALID) from None


def _bcrypt_hash(value: str, max_cost: int) -> str:
    match = _BCRYPT.fullmatch(value)
    if match is None or not 4 <= int(match.group(1)) <= max_cost:
        # A bcrypt hash ($2a$/$2b$/$2y$) of cost 4 to max_cost.
        raise ValidationError.field(
            PASSWORD_HASH, FieldProblem.PATTERN, pattern=f"$2[aby]$<4-{max_cost}>$…"
        )
    return value


def _limit(value: float | None, default: int, maximum: int) -> int:
    """The panel's ``limit`` (a float64; NaN when it parsed ``?limit=abc``)."""
    if value is None or not math.isfinite(value) or value == 0:
        return default
    return max(1, min(int(value), maximum))


# --- auth ----------------------------------------------------------------------------


async def get_user_by_email(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    try:
        return panel_user(await b.users.get_by_email(args["email"]))
    except (UserNotFound, InvalidEmail):
        return None


async def get_current_user(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    if "userId" not in args:
        return None
    user = (await b.users.get_many([args["userId"]]))[0]
    return panel_user(user) if user is not None and user.get("isActive") else None


async def update_last_login(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    await b.users.update_last_login(args["userId"])
    return {"success": True}


async def logout(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    return {"success": True}


async def verify_credentials(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    """The service's login checks for the panel's login route: lockout, limits,
    verify (bcrypt or argon2id) and upgrade, events. The panel is a trusted
    proxy here: ``ipAddress``/``userAgent`` are its client's."""
    client = ClientInfo(
        ip_address=args.get("ipAddress", by.client.ip_address),
        user_agent=args.get("userAgent", by.client.user_agent),
    )
    user = await b.credentials.check(args["email"], args["password"], client)
    await b.events.record(
        EventType.LOGIN_SUCCESS, client, user_id=user["_id"], details={"method": "convex"}
    )
    return panel_user(user)


# --- users ---------------------------------------------------------------------------


async def list_users(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    limit = _limit(args.get("limit"), LIST_DEFAULT, LIST_MAX)
    filters = UserFilters(role=args.get("role"), is_active=args.get("isActive"))
    cursor = args.get("cursor") or None
    if args.get("search"):
        try:
            result = await b.users.search(
                args["search"], filters, limit=limit, cursor=cursor, with_total=True
            )
        except ValidationError:  # no letter or digit: Convex's search finds nothing
            return {"documents": [], "total": 0.0, "continueCursor": None, "isDone": True}
    else:
        result = await b.users.list_users(
            filters, order="asc", limit=limit, cursor=cursor, with_total=True
        )
    page = result.page
    return {
        "documents": [panel_user(user) for user in page.documents],
        "total": float(result.total or 0),
        "continueCursor": None if page.is_done else page.continue_cursor,
        "isDone": page.is_done,
    }


async def get_user(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    # The REST GET's read by _id (coalesced), not get_many's $in: the panel's
    # session check calls this once per request.
    try:
        return panel_user(await b.users.get(args["id"]))
    except UserNotFound:
        return None


async def create_user(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    fields = {key: value for key, value in args.items() if key != PASSWORD_HASH}
    created = _converted(fields, UserCreate)
    password_hash = _bcrypt_hash(args[PASSWORD_HASH], b.max_bcrypt_cost)
    user = await b.users.create(
        {**created.fields(), PASSWORD_HASH: password_hash}, password=None, by=by
    )
    return user["_id"]


async def update_user(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    user_id = args["id"]
    fields = {k: value for k, value in args.items() if k not in ("id", PASSWORD_HASH)}
    changes = _converted(fields, UserPatch).changes()
    password_hash = args.get(PASSWORD_HASH)
    if password_hash is not None:
        password_hash = _bcrypt_hash(password_hash, b.max_bcrypt_cost)
    await b.users.get(user_id)  # UserNotFound before anything is written
    if changes:
        await b.users.patch(user_id, changes, by=by)
    if password_hash is not None:
        await b.password_changes.store_legacy_hash(user_id, password_hash, by)
    return panel_user(await b.users.get(user_id))


async def remove_user(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    await b.users.deactivate(args["id"], by)
    return {"success": True}


# --- audit_logs ----------------------------------------------------------------------


async def list_audit_logs(b: Backends, by: Caller, args: dict[str, Any]) -> Any:
    """Newest first, at most ``limit``; dates compared as ISO strings afterwards,
    as the panel's code does (so a page may hold fewer)."""
    filters = AuditFilters(
        user_id=args.get("userId"),
        resource=args.get("resource"),
        resource_id=args.get("resourceId"),
        action=args.get("action"),
    )
    limit = _limit(args.get("limit"), AUDIT_DEFAULT, AUDIT_MAX)
    page = await b.audit_logs.newest(filters, limit=limit, cursor=None)
    mapping = mappings()["audit_logs"]
    logs = [mapping.to_panel(dict(log)) for log in page.documents]
    start, end = args.get("startDate"), args.get("endDate")
    return [
        log
        for log in logs
        if (start is None or log["timestamp"] >= start) and (end is None or log["timestamp"] <= end)
    ]
