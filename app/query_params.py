"""Query parameters shared by the list routes.

Litestar enforces constraints declared on the parameter's outermost type, so
optional parameters carry them as ``Annotated[X | None, QueryParameter(...)]``.
"""

from __future__ import annotations

from enum import EnumMeta
from typing import Annotated, Any, get_args

from litestar.openapi.spec import OpenAPIType
from litestar.params import PathParameter, QueryParameter

# A user's ID in a path: its form and table are checked by the service (400 INVALID_ID).
IdPath = Annotated[
    str,
    PathParameter(
        max_length=64,
        description="A user's _id: a Convex document ID of the users table, or the 24-hex "
        "ObjectId of a user written by an earlier version. Any other string, an ID of "
        "another table included, is 400 INVALID_ID; a valid ID of no user is 404.",
    ),
]
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Cursor = Annotated[str | None, QueryParameter(max_length=2048)]
Actor = Annotated[str | None, QueryParameter(max_length=80, pattern=r"^[\w:.-]+$")]
Word = Annotated[str | None, QueryParameter(max_length=64, pattern=r"^[\w.-]+$")]


def one_of(literal: Any) -> dict[str, Any]:
    """``schema_extra`` of an optional filter taking a Literal's values: the
    document lists them as a string enum (without the ``null`` of the default)."""
    values: list[Any] = list(get_args(literal))
    if isinstance(literal, EnumMeta):  # a StrEnum: its members' values
        members: list[Any] = list(literal)
        values = [member.value for member in members]
    return {"type": OpenAPIType.STRING, "enum": values}
