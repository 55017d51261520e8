"""The older export era: a table's inferred shape and per-document overrides
turn clean-JSON strings back into int64, bytes and non-finite floats.

A reading of Convex's ``shape_inference`` (pretty.rs parses the shape line,
export_context.rs applies it; CONVEX.md §2.3): a string becomes what the
shape allows in exactly one way, otherwise what the document's override says,
otherwise it stays a string. Numbers are float64 (``values.decode_plain``).
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from typing import Any

from app.convex_io.values import BadValue


@dataclass(frozen=True)
class Shape:
    kind: str
    # object: ((field, Shape), ...); array: (element,); record/map: (key, value);
    # union: options; literal: (text,); id: (table number,)
    args: tuple[Any, ...] = ()


UNKNOWN = Shape("unknown")
_UNITS = (
    "never",
    "null",
    "int64",
    "float64",
    "-inf",
    "inf",
    "NaN",
    "normalfloat64",
    "-0",
    "boolean",
    "field_name",
    "string",
    "bytes",
    "unknown",
)


def parse_shape(text: str) -> Shape:
    shape, rest = _union(text)
    if rest:
        raise BadValue(f"shape: unexpected text at {rest[:40]!r}")
    return shape


def _union(text: str) -> tuple[Shape, str]:
    options: list[Shape] = []
    while True:
        part, text = _prefix(text)
        if part not in options:
            options.append(part)
        if not text.startswith(" | "):
            break
        text = text[3:]
    return (options[0] if len(options) == 1 else Shape("union", tuple(options))), text


def _expect(text: str, terminator: str) -> str:
    if not text.startswith(terminator):
        raise BadValue(f"shape: expected {terminator!r} at {text[:40]!r}")
    return text[len(terminator) :]


def _prefix(text: str) -> tuple[Shape, str]:
    for unit in _UNITS:
        if text.startswith(unit):
            return Shape(unit), text[len(unit) :]
    if text.startswith("{"):
        text, fields = text[1:], []
        while not text.startswith("}"):
            key, separator, text = text.partition(": ")
            if not separator or not (key.startswith('"') and key.rstrip("?").endswith('"')):
                raise BadValue(f"shape: cannot read an object key at {key[:40]!r}")
            value, text = _union(text)
            fields.append((key.rstrip("?")[1:-1], value))
            if text.startswith(", "):
                text = text[2:]
            elif not text.startswith("}"):
                raise BadValue(f"shape: unexpected text at {text[:40]!r}")
        return Shape("object", tuple(fields)), text[1:]
    for kind in ("array", "set"):
        if text.startswith(f"{kind}<"):
            element, text = _union(text[len(kind) + 1 :])
            return Shape(kind, (element,)), _expect(text, ">")
    for kind in ("record", "map"):
        if text.startswith(f"{kind}<"):
            key_shape, text = _union(text[len(kind) + 1 :])
            value, text = _union(_expect(text, ", "))
            return Shape(kind, (key_shape, value)), _expect(text, ">")
    if text.startswith("id<"):
        number, separator, text = text[3:].partition(">")
        if not separator or not number.isdigit():
            raise BadValue("shape: bad id<…>")
        return Shape("id", (int(number),)), text
    if text.startswith('"'):
        literal, separator, text = text[1:].partition('"')
        if not separator:
            raise BadValue("shape: unterminated literal")
        return Shape("literal", (literal,)), text
    raise BadValue(f"shape: unexpected text at {text[:40]!r}")


# --- applying a shape ---------------------------------------------------------

INFER, INT64, INF, BYTES = "infer", "int64", "float64inf", "bytes"
Context = Any  # INFER | INT64 | INF | BYTES | ("nan", bytes) | list[Context] | dict[str, Context]
_NAN = ("nan", struct.pack("<d", float("nan")))


def parse_context(raw: Any) -> Context:
    """An override line's value (``ExportContext`` in its JSON form)."""
    if raw in (INFER, INT64, INF, BYTES):
        return raw
    if isinstance(raw, list):
        return [parse_context(item) for item in raw]
    if isinstance(raw, dict):
        if "$float64NaN" in raw:
            try:
                data = base64.b64decode(raw["$float64NaN"], validate=True)
            except (binascii.Error, ValueError, TypeError):
                raise BadValue("override: bad $float64NaN") from None
            return ("nan", data)
        return {key: parse_context(value) for key, value in raw.items()}
    raise BadValue(f"override: unknown context {raw!r}")


def _options(shape: Shape) -> tuple[Shape, ...]:
    return shape.args if shape.kind == "union" else (shape,)


def _elements(shapes: frozenset[Shape]) -> frozenset[Shape]:
    found: set[Shape] = set()
    for shape in shapes:
        for option in _options(shape):
            if option.kind == "array":
                found.add(option.args[0])
            elif option.kind == "unknown":
                found.add(option)
    return frozenset(found)


def _field(shapes: frozenset[Shape], name: str) -> frozenset[Shape]:
    found: set[Shape] = set()
    for shape in shapes:
        for option in _options(shape):
            if option.kind == "object":
                found.update(value for key, value in option.args if key == name)
            elif option.kind == "record":
                found.add(option.args[1])
            elif option.kind == "unknown":
                found.add(option)
    return frozenset(found)


def _string_contexts(shapes: frozenset[Shape]) -> set[Any]:
    """What a string exported under these shapes may have been."""
    found: set[Any] = set()
    for shape in shapes:
        for option in _options(shape):
            kind = option.kind
            if kind == "int64":
                found.add(INT64)
            elif kind in ("inf", "-inf"):
                found.add(INF)
            elif kind in ("NaN", "float64"):
                found.update((_NAN, INF))
            elif kind in ("literal", "id", "field_name", "string"):
                found.add(INFER)
            elif kind == "bytes":
                found.add(BYTES)
            elif kind == "unknown":
                found.update((INFER, INF, _NAN, INT64, BYTES))
    return found


def apply(context: Context, value: Any, shapes: frozenset[Shape]) -> Any:
    if isinstance(value, str):
        return _string(context, value, shapes)
    if isinstance(value, list):
        elements = _elements(shapes)
        if context == INFER:
            return [apply(INFER, item, elements) for item in value]
        if not isinstance(context, list) or len(context) != len(value):
            raise BadValue("override does not fit an array")
        return [apply(hint, item, elements) for hint, item in zip(context, value, strict=True)]
    if isinstance(value, dict):
        if context != INFER and not isinstance(context, dict):
            raise BadValue("override does not fit an object")
        hints = context if isinstance(context, dict) else {}
        return {
            key: apply(hints.get(key, INFER), item, _field(shapes, key))
            for key, item in value.items()
        }
    return value  # null, booleans and numbers (float64) are what they are


def _string(context: Context, value: str, shapes: frozenset[Shape]) -> Any:
    if context == INFER:
        possible = _string_contexts(shapes)
        if len(possible) == 1:
            context = possible.pop()
    if context == INFER:
        return value
    if context == INT64:
        try:
            return int(value)
        except ValueError:
            raise BadValue(f"{value!r} is not an int64") from None
    if context == INF and value in ("Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    if context == BYTES:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise BadValue("bytes: not base64") from None
    if isinstance(context, tuple) and value == "NaN":
        return struct.unpack("<d", context[1])[0] if len(context[1]) == 8 else float("nan")
    raise BadValue(f"the override does not fit the string {value[:20]!r}")
