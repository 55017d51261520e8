"""Why a value breaks its declared type: every problem at once, from the type's
own constraints (``msgspec.inspect``), never from a decoder's message text.

msgspec stops at the first error of a value and says it in English. Here a
decoded value is walked against the same declaration (the Struct's fields, a
query parameter's ``Annotated`` type) and each failure becomes a
:class:`FieldError` from the closed set. Whether a value is valid stays
msgspec's decision: ``problems`` is only asked about a value msgspec refused
(``app/http/input_contract.py``), so the two cannot disagree on what passes.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import msgspec
from msgspec import inspect as mi

from app.field_problems import FieldError, FieldProblem

_SEQUENCES = (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)


@cache
def type_info(annotation: Any) -> mi.Type:
    return mi.type_info(annotation)


def refuses(value: Any, annotation: Any) -> bool:
    """msgspec's verdict, with the options Litestar converts request values with."""
    try:
        msgspec.convert(value, type=annotation, strict=False, str_keys=True)
    except msgspec.ValidationError:
        return True
    return False


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def problems(value: Any, info: mi.Type, field: str) -> list[FieldError]:
    """Every way ``value`` breaks ``info`` (empty if none is found)."""
    while isinstance(info, mi.Metadata):
        info = info.type
    if isinstance(info, mi.UnionType):
        return _union(value, info, field)
    if isinstance(info, mi.AnyType | mi.CustomType):
        return []
    if isinstance(info, mi.NoneType):
        return [] if value is None else [FieldError(field, FieldProblem.INVALID)]
    if value is None:
        return [FieldError(field, FieldProblem.NOT_NULL)]
    if isinstance(info, mi.StrType):
        return _string(value, info, field)
    if isinstance(info, mi.BoolType):
        ok = isinstance(value, bool) or (isinstance(value, str) and value.lower() in _BOOLS)
        return [] if ok else [FieldError(field, FieldProblem.NOT_BOOLEAN)]
    if isinstance(info, mi.IntType | mi.FloatType):
        return _number(value, info, field)
    if isinstance(info, mi.LiteralType):
        return _one_of(value, info.values, field)
    if isinstance(info, mi.EnumType):
        return _one_of(value, tuple(member.value for member in info.cls), field)
    if isinstance(info, _SEQUENCES):
        return _sequence(value, info, field)
    if isinstance(info, mi.StructType):
        return struct_problems(value, info, field)
    if isinstance(info, mi.DictType):
        return [] if isinstance(value, dict) else [FieldError(field, FieldProblem.NOT_OBJECT)]
    return []


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


def _string(value: Any, info: mi.StrType, field: str) -> list[FieldError]:
    if not isinstance(value, str):
        return [FieldError(field, FieldProblem.NOT_STRING)]
    if info.min_length is not None and len(value) < info.min_length:
        return [FieldError(field, FieldProblem.TOO_SHORT, {"limit": info.min_length})]
    if info.max_length is not None and len(value) > info.max_length:
        return [FieldError(field, FieldProblem.TOO_LONG, {"limit": info.max_length})]
    if info.pattern is not None and _pattern(info.pattern).search(value) is None:
        return [FieldError(field, FieldProblem.PATTERN, {"pattern": info.pattern})]
    return []


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _number(value: Any, info: mi.IntType | mi.FloatType, field: str) -> list[FieldError]:
    integer = isinstance(info, mi.IntType)
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
    if info.min_length is not None and len(value) < info.min_length:
        return [FieldError(field, FieldProblem.TOO_FEW_ITEMS, {"limit": info.min_length})]
    if info.max_length is not None and len(value) > info.max_length:
        return [FieldError(field, FieldProblem.TOO_MANY_ITEMS, {"limit": info.max_length})]
    errors: list[FieldError] = []
    for index, item in enumerate(value):
        errors += problems(item, info.item_type, f"{field}[{index}]")
    return errors


def struct_problems(value: Any, info: mi.StructType, prefix: str = "") -> list[FieldError]:
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
