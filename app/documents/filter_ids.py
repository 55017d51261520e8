"""IDs given as list filters, checked like IDs in paths.

A filter on a malformed ID, or on an ID of another table, matches nothing; it
is answered with 400 ``INVALID_ID`` naming the parameter instead of an empty
page that looks like "no such records".
"""

from __future__ import annotations

from app.documents.ids import parse_id
from app.documents.tables import TableNumbers
from app.errors import InvalidId
from app.field_problems import FieldError, FieldProblem

# Actors that are not users: service tokens ("service:<name>") and the
# service itself ("system:cli", "system:bootstrap").
OTHER_ACTOR_PREFIXES = ("service:", "system:")


def users_id(tables: TableNumbers, value: str, field: str) -> str:
    """``value`` if it is an ID of the users table (or a legacy ObjectId)."""
    try:
        return tables.parse("users", value)
    except InvalidId:
        problem = FieldError(field, FieldProblem.INVALID_ID, {"table": "users"})
        raise InvalidId(details=[problem]) from None


def actor_id(tables: TableNumbers, value: str, field: str) -> str:
    """An audit log's actor: a user's ID, ``service:<name>`` or ``system:<name>``."""
    prefix, colon, name = value.partition(":")
    if colon and name and f"{prefix}:" in OTHER_ACTOR_PREFIXES:
        return value
    try:
        return tables.parse("users", value)
    except InvalidId:
        raise InvalidId(details=[FieldError(field, FieldProblem.INVALID_ACTOR)]) from None


def any_id(tables: TableNumbers, value: str, field: str) -> str:
    """An ID of any table (a resource of an audit log); ``tables`` is unused, as
    every check takes the same arguments."""
    try:
        return parse_id(value)
    except InvalidId:
        raise InvalidId(details=[FieldError(field, FieldProblem.NOT_AN_ID)]) from None
