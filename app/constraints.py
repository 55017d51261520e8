"""Why a value breaks its declared type: every problem at once, from the type's
own constraints (``msgspec.inspect``), never from a decoder's message text.

msgspec stops at the first error of a value and says it in English. Here a
decoded value is walked against the same declaration (the Struct's fields, a
query parameter's ``Annotated`` type) and each failure becomes a
:class:`FieldError` from the closed set. A value is refused only when msgspec
refuses it too (``refuses``, asked in ``app/http/input_contract.py`` when the
walk found something), so nothing msgspec accepts is turned away.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any, cast

import msgspec
from msgspec import UNSET
from msgspec import inspect as mi

from app.errors import ValidationError
from app.field_problems import FieldError, FieldProblem


@cache
def type_info(annotation: Any) -> mi.Type:
    return mi.type_info(annotation)


def refuses(value: Any, annotation: Any) -> bool:
    """msgspec's verdict, with the options Litestar converts request values with.

    Lax conversion reads the string ``"null"`` as None for an optional type
    that cannot hold it (``?action=null`` would drop the filter): refused."""
    try:
        converted = msgspec.convert(value, type=annotation, strict=False, str_keys=True)
    except msgspec.ValidationError:
        return True
    return converted is None and value is not None


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def problems(value: Any, info: mi.Type, field: str) -> list[FieldError]:
    """Every way ``value`` breaks ``info`` (empty if none is found)."""
    while type(info) is mi.Metadata:
        info = info.type
    kind = type(info)
    if kind is mi.UnionType:
        return _union(value, cast(mi.UnionType, info), field)
    if kind is mi.NoneType:
        return [] if value is None else [FieldError(field, FieldProblem.INVALID)]
    check = _CHECKS.get(kind)
    if check is None:  # Any, custom types, dates...: msgspec and Litestar decide
        return []
    if value is None:
        return [FieldError(field, FieldProblem.NOT_NULL)]
    return check(value, info, field)


def _boolean(value: Any, info: Any, field: str) -> list[FieldError]:
    ok = isinstance(value, bool) or (isinstance(value, str) and value.lower() in _BOOLS)
    return [] if ok else [FieldError(field, FieldProblem.NOT_BOOLEAN)]


def _literal(value: Any, info: Any, field: str) -> list[FieldError]:
    return _one_of(value, info.values, field)


def _enum(value: Any, info: Any, field: str) -> list[FieldError]:
    return _one_of(value, tuple(member.value for member in info.cls), field)


def _dict(value: Any, info: Any, field: str) -> list[FieldError]:
    return [] if isinstance(value, dict) else [FieldError(field, FieldProblem.NOT_OBJECT)]


_BOOLS = frozenset({"true", "false", "1", "0"})


def _union(value: Any, info: mi.UnionType, field: str) -> list[FieldError]:
    options = [t for t in info.types if not isinstance(t, mi.NoneType)]
    if value is None:
        return [] if len(options) < len(info.types) else [FieldError(field, FieldProblem.NOT_NULL)]
    if len(options) == 1:
        return problems(value, options[0], field)
    found = [problems(value, option, field) for option in options]
    if any(not errors for errors in found):
        return []
    return [FieldError(field, FieldProblem.INVALID)]


def _string(value: Any, info: Any, field: str) -> list[FieldError]:
    if not isinstance(value, str):
        return [FieldError(field, FieldProblem.NOT_STRING)]
    if errors := _length(len(value), info, field, FieldProblem.TOO_SHORT, FieldProblem.TOO_LONG):
        return errors
    if info.pattern is not None and _pattern(info.pattern).search(value) is None:
        return [FieldError(field, FieldProblem.PATTERN, {"pattern": info.pattern})]
    return []


def _length(
    size: int, info: Any, field: str, short: FieldProblem, long: FieldProblem
) -> list[FieldError]:
    """A string's or a list's length against the declared bounds."""
    if info.min_length is not None and size < info.min_length:
        return [FieldError(field, short, {"limit": info.min_length})]
    if info.max_length is not None and size > info.max_length:
        return [FieldError(field, long, {"limit": info.max_length})]
    return []


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _number(value: Any, info: Any, field: str) -> list[FieldError]:
    integer = type(info) is mi.IntType
    number = _as_number(value, integer)
    if number is None:
        return [FieldError(field, FieldProblem.NOT_INTEGER if integer else FieldProblem.NOT_NUMBER)]
    if info.ge is not None and number < info.ge:
        return [FieldError(field, FieldProblem.TOO_SMALL, {"limit": info.ge})]
    if info.gt is not None and number <= info.gt:
        return [FieldError(field, FieldProblem.TOO_SMALL, {"limit": _next(info.gt, integer)})]
    if info.le is not None and number > info.le:
        return [FieldError(field, FieldProblem.TOO_LARGE, {"limit": info.le})]
    if info.lt is not None and number >= info.lt:
        return [FieldError(field, FieldProblem.TOO_LARGE, {"limit": _next(info.lt, integer, -1)})]
    return []


def _next(bound: float, integer: bool, step: int = 1) -> float:
    # "greater than 0" reads as "at least 1" for integers; floats keep the bound.
    return bound + step if integer else bound


def _as_number(value: Any, integer: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = int(value) if integer else float(value)
        except ValueError:
            return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and (not integer or value.is_integer()):
        return value
    return None


def _one_of(value: Any, values: tuple[Any, ...], field: str) -> list[FieldError]:
    if value in values:
        return []
    shown = ", ".join(str(item) for item in values)
    return [FieldError(field, FieldProblem.NOT_ONE_OF, {"values": shown})]


def _sequence(value: Any, info: Any, field: str) -> list[FieldError]:
    if not isinstance(value, list):
        return [FieldError(field, FieldProblem.NOT_LIST)]
    few, many = FieldProblem.TOO_FEW_ITEMS, FieldProblem.TOO_MANY_ITEMS
    if errors := _length(len(value), info, field, few, many):
        return errors
    for index, item in enumerate(value):
        errors += problems(item, info.item_type, f"{field}[{index}]")
    return errors


def struct_problems(value: Any, info: Any, prefix: str = "") -> list[FieldError]:
    """Unknown keys (in the body's order), then each declared field in order."""
    if not isinstance(value, dict):
        return [FieldError(prefix or "body", FieldProblem.NOT_OBJECT)]
    errors: list[FieldError] = []
    if info.forbid_unknown_fields:
        known = {field.encode_name for field in info.fields}
        errors += [
            FieldError(join(prefix, str(key)[:64]), FieldProblem.UNKNOWN_FIELD)
            for key in value
            if key not in known
        ]
    for field in info.fields:
        name = join(prefix, field.encode_name)
        if field.encode_name not in value:
            if field.required:
                errors.append(FieldError(name, FieldProblem.REQUIRED))
            continue
        errors += problems(value[field.encode_name], field.type, name)
    return errors


_Check = Callable[[Any, Any, str], list[FieldError]]
_CHECKS: dict[type, _Check] = {
    mi.StrType: _string,
    mi.BoolType: _boolean,
    mi.IntType: _number,
    mi.FloatType: _number,
    mi.LiteralType: _literal,
    mi.EnumType: _enum,
    mi.ListType: _sequence,
    mi.SetType: _sequence,
    mi.FrozenSetType: _sequence,
    mi.VarTupleType: _sequence,
    mi.StructType: struct_problems,
    mi.DictType: _dict,
}


# A check of one field's value beyond its declared constraints (a request
# Struct's ``field_checks``, by attribute): the cleaned value, or a 400.
FieldCheck = Callable[[Any], Any]


def apply_field_checks(struct: msgspec.Struct) -> None:
    """Run the Struct's ``field_checks`` on its given values; one 400 listing every failure."""
    errors: list[FieldError] = []
    for name, check in field_checks_of(type(struct)).items():
        value = getattr(struct, name)
        if value is None or value is UNSET:
            continue
        try:
            setattr(struct, name, check(value))
        except ValidationError as exc:
            errors += exc.field_errors
    if errors:
        raise ValidationError.fields(errors)


def field_checks_of(struct: type) -> dict[str, FieldCheck]:
    checks: dict[str, FieldCheck] = getattr(struct, "field_checks", {})
    return checks
