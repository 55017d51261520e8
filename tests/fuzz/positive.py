"""Positive cases made valid where no JSON Schema can say what valid is.

The published document states every constraint a schema can (patterns,
lengths, formats). Three rules of the service are beyond it: a Convex ID's
checksum and table number, a signed cursor, and the list of 30,000 common
passwords (plus the password's limit in bytes, not characters). A positive
case that breaks one of them is not a valid request, so the hooks replace
that one value before sending, deterministically from the generated one:
an ID becomes a well-formed users ID (of no user: 404), a cursor is left
out, a refused password or email becomes an accepted one, a patch's system
fields (valid only with their stored values) are left out, and an
Idempotency-Key is derived from the body (a key is valid with the one body
it was first used with; the same key with another body is 422 by design).
Negative cases are sent unchanged.
"""

from __future__ import annotations

import hashlib
from typing import Any

from app.config import DEFAULT_CONVEX_TABLE_NUMBERS
from app.documents.ids import is_valid_id, mint, table_of
from app.errors import ValidationError
from app.security.password_policy import check_new_password
from app.security.passwords import MAX_PASSWORD_BYTES
from app.users.emails import normalize_email

USERS = DEFAULT_CONVEX_TABLE_NUMBERS["users"]
# user_id: the filters of audit logs and security events take a user's ID.
ID_NAMES = ("id", "resource_id", "user_id")
NEW_PASSWORDS = ("password", "newPassword")


def _digest(value: object) -> bytes:
    return hashlib.sha256(repr(value).encode()).digest()


def users_id(value: Any) -> Any:
    """``value`` if it is an ID the service accepts for a user, else one derived from it."""
    if isinstance(value, str) and is_valid_id(value) and table_of(value) in (USERS, None):
        return value
    return mint(USERS, entropy=_digest(value)[:14], at_ms=1_700_000_000_000)


def new_password(value: Any) -> Any:
    try:
        check_new_password(value)
    except (ValidationError, TypeError, AttributeError):
        return f"fuzz-{_digest(value).hex()[:24]}"
    return value


def email(value: Any) -> Any:
    try:
        normalize_email(value)
    except (ValidationError, TypeError, AttributeError):
        return f"fuzz.{_digest(value).hex()[:12]}@example.org"
    return value


def idempotency_key(body: Any) -> str:
    return f"fuzz-{_digest(body).hex()}"


def make_valid(path_parameters: dict[str, Any], query: dict[str, Any], body: Any) -> None:
    """Repair, in place, the values of a positive case the schema cannot describe
    (``password`` is also login's: any password it takes is a valid one there)."""
    for name in ID_NAMES:
        if name in path_parameters:
            path_parameters[name] = users_id(path_parameters[name])
        if query.get(name) is not None:
            query[name] = users_id(query[name])
    query.pop("cursor", None)
    if query.get("email") is not None:
        query["email"] = email(query["email"])
    if not isinstance(body, dict):
        return
    # A patch may repeat a system field only with its stored value.
    body.pop("_id", None)
    body.pop("_creationTime", None)
    if isinstance(body.get("ids"), list):
        body["ids"] = [users_id(value) for value in body["ids"]]
    for name in NEW_PASSWORDS:
        if isinstance(body.get(name), str):
            body[name] = new_password(body[name])
    current = body.get("currentPassword")
    if isinstance(current, str) and len(current.encode()) > MAX_PASSWORD_BYTES:
        body["currentPassword"] = new_password(None)
    if isinstance(body.get("email"), str):
        body["email"] = email(body["email"])
