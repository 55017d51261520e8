"""Convex's argument validators (``v.string()``, ``v.id("users")``, …) and their
error texts, as the backend words them (CONVEX.md §1.7, ``validator.rs``).

Optional means absent: ``null`` for an optional field fails like any other
type mismatch, and a field the validator does not name is an error. Values of
secret fields (passwords, hashes) are never printed in a message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.documents.ids import NotAConvexId, table_of
from app.redaction import is_secret_field

REDACTED = "[redacted]"

# The table name of a table number (None: not a table of this deployment).
TableNames = Callable[[int], str | None]


class ArgumentError(Exception):
    """The text after ``ArgumentValidationError: ``."""


def show(value: Any, field: str = "") -> str:
    """A value as the backend's ``Display`` prints it (Rust's formatting)."""
    if field and is_secret_field(field):
        return REDACTED
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value).replace("e+", "e")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, list):
        return "[" + ", ".join(show(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{key}: {show(value[key], key)}" for key in sorted(value))
        return "{" + ", ".join(items) + "}"
    return repr(value)


def _where(path: str) -> str:
    return f"Path: {path}" if path else ""


class Validator:
    """A validator overrides ``matches`` (a yes or no, and the general text on a
    no) or ``check`` (a text of its own per failure); each default is the other."""

    def check(self, value: Any, path: str, tables: TableNames) -> None:
        if not self.matches(value, tables):
            self.no_match(value, path)

    def matches(self, value: Any, tables: TableNames) -> bool:
        try:
            self.check(value, "", tables)
        except ArgumentError:
            return False
        return True

    def no_match(self, value: Any, path: str) -> None:
        field = path.rsplit(".", 1)[-1]
        raise ArgumentError(
            f"Value does not match validator.\n{_where(path)}\n"
            f"Value: {show(value, field)}\nValidator: {self}"
        )


@dataclass(frozen=True)
class Leaf(Validator):
    name: str  # string | boolean | float64 | any
    kind: type | tuple[type, ...] | None

    def matches(self, value: Any, tables: TableNames) -> bool:
        if self.kind is None:
            return True
        if isinstance(value, bool) and self.kind is not bool:
            return False
        return isinstance(value, self.kind)

    def __str__(self) -> str:
        return f"v.{self.name}()"


@dataclass(frozen=True)
class Id(Validator):
    table: str

    def check(self, value: Any, path: str, tables: TableNames) -> None:
        try:
            number = table_of(value)
        except NotAConvexId:
            self.no_match(value, path)
            return
        if number is None:  # a legacy ObjectId of this service: no table to check
            return
        found = tables(number)
        if found is None:
            self.no_match(value, path)
        elif found != self.table:
            raise ArgumentError(
                f'Found ID "{value}" from table `{found}`, which does not match the table'
                f' name in validator `v.id("{self.table}")`.{_where(path)}'
            )

    def __str__(self) -> str:
        return f'v.id("{self.table}")'


@dataclass(frozen=True)
class Array(Validator):
    item: Validator

    def check(self, value: Any, path: str, tables: TableNames) -> None:
        if not isinstance(value, list):
            self.no_match(value, path)
            return
        for index, element in enumerate(value):
            self.item.check(element, f"{path}[{index}]", tables)

    def matches(self, value: Any, tables: TableNames) -> bool:
        return isinstance(value, list) and all(self.item.matches(e, tables) for e in value)

    def __str__(self) -> str:
        return f"v.array({self.item})"


@dataclass(frozen=True)
class Literal(Validator):
    value: str

    def check(self, value: Any, path: str, tables: TableNames) -> None:
        if value != self.value or not isinstance(value, str):
            raise ArgumentError(
                f"`{show(value)}` does not match literal validator"
                f" `v.literal({json.dumps(self.value)})`.{_where(path)}"
            )

    def matches(self, value: Any, tables: TableNames) -> bool:
        return isinstance(value, str) and value == self.value

    def __str__(self) -> str:
        return f"v.literal({json.dumps(self.value)})"


@dataclass(frozen=True)
class Union(Validator):
    options: tuple[Validator, ...]

    def matches(self, value: Any, tables: TableNames) -> bool:
        return any(option.matches(value, tables) for option in self.options)

    def __str__(self) -> str:
        return "v.union(" + ", ".join(str(option) for option in self.options) + ")"


@dataclass(frozen=True)
class Optional:
    validator: Validator

    def __str__(self) -> str:
        return f"v.optional({self.validator})"


@dataclass(frozen=True)
class Object(Validator):
    fields: Mapping[str, Validator | Optional]

    def check(self, value: Any, path: str, tables: TableNames) -> None:
        if not isinstance(value, dict):
            self.no_match(value, path)
            return
        # The backend walks the validator's fields in sorted order, then the
        # object's extra keys (both are BTreeMaps).
        for name in sorted(self.fields):
            rule = self.fields[name]
            if name in value:
                inner = rule.validator if isinstance(rule, Optional) else rule
                inner.check(value[name], f"{path}.{name}", tables)
            elif not isinstance(rule, Optional):
                raise ArgumentError(
                    f"Object is missing the required field `{name}`. Consider wrapping the"
                    " field validator in `v.optional(...)` if this is expected.\n"
                    f"{_where(path)}\nObject: {show(value)}\nValidator: {self}"
                )
        for name in sorted(value):
            if name not in self.fields:
                raise ArgumentError(
                    f"Object contains extra field `{name}` that is not in the validator.\n"
                    f"{_where(path)}\nObject: {show(value)}\nValidator: {self}"
                )

    def __str__(self) -> str:
        return (
            "v.object({" + ", ".join(f"{k}: {self.fields[k]}" for k in sorted(self.fields)) + "})"
        )


class v:
    """``v.string()`` etc., for the function tables."""

    @staticmethod
    def string() -> Validator:
        return Leaf("string", str)

    @staticmethod
    def boolean() -> Validator:
        return Leaf("boolean", bool)

    @staticmethod
    def number() -> Validator:
        # v.number() is float64: a plain JSON number always arrives as one.
        return Leaf("float64", float)

    @staticmethod
    def any() -> Validator:
        return Leaf("any", None)

    @staticmethod
    def id(table: str) -> Validator:
        return Id(table)

    @staticmethod
    def array(item: Validator) -> Validator:
        return Array(item)

    @staticmethod
    def literal(value: str) -> Validator:
        return Literal(value)

    @staticmethod
    def union(*options: Validator) -> Validator:
        return Union(options)

    @staticmethod
    def optional(validator: Validator) -> Optional:
        return Optional(validator)

    @staticmethod
    def object(**fields: Validator | Optional) -> Object:
        return Object(fields)
