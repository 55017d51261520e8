"""Convex values in a snapshot line: the current ("uniform") encoding, the
older era's plain JSON, the encoding an export writes, and what can be stored.

Uniform (CONVEX.md §2.3): an integer that fits int64 is an int64, any other
number a float64; ``{"$integer"|"$float"|"$bytes": base64}`` objects carry
the rest. The older era writes int64 as strings and every number is a float64
(the table's shape and per-document overrides say which strings are int64:
``app.convex_io.shapes``).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
from collections.abc import Callable
from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DEPTH = 64  # Convex nests at most 16 levels; deeper input is refused, not recursed


class BadValue(ValueError):
    """A line or value that cannot be decoded; the message is the reason."""


def _no_constants(name: str) -> Any:
    raise BadValue(f"{name} is not JSON")


def _plain_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise BadValue("an object has the same key twice")
    return document


def _uniform_object(pairs: list[tuple[str, Any]]) -> Any:
    """Objects whose first key starts with ``$`` are Convex's internal encoding."""
    if not pairs or not pairs[0][0].startswith("$"):
        return _plain_object(pairs)
    key, raw = pairs[0]
    if len(pairs) != 1 or not isinstance(raw, str):
        raise BadValue(f"a {key} object must hold exactly one base64 string")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise BadValue(f"{key}: not base64") from None
    if key == "$bytes":
        return data
    if key in ("$integer", "$float") and len(data) != 8:
        raise BadValue(f"{key} must hold 8 bytes")
    if key == "$integer":
        return int.from_bytes(data, "little", signed=True)
    if key == "$float":
        return struct.unpack("<d", data)[0]
    raise BadValue(f"unknown encoding {key}")


def _uniform_int(text: str) -> int | float:
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else float(text)


def _decode(line: str, hook: Callable[[list[tuple[str, Any]]], Any], ints: Any) -> dict[str, Any]:
    try:
        document = json.loads(
            line, object_pairs_hook=hook, parse_int=ints, parse_constant=_no_constants
        )
    except RecursionError:
        raise BadValue("nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise BadValue(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(document, dict):
        raise BadValue("not a JSON object")
    return document


def decode_uniform(line: str) -> dict[str, Any]:
    return _decode(line, _uniform_object, _uniform_int)


def decode_plain(line: str) -> dict[str, Any]:
    """The older era: clean JSON, every number a float64 (shapes do the rest)."""
    return _decode(line, _plain_object, float)


def storage_problem(value: Any, path: str, depth: int = 0) -> str | None:
    """Why a payload value cannot be stored as it is, or None.

    NaN and ±Infinity: the embedded engine refuses them ("Invalid JSON
    document"), and the API would answer them as null. Keys with ``.`` or a
    leading ``$``: MongoDB reads them as paths and operators.
    """
    if depth > MAX_DEPTH:
        return f"{path}: nested too deeply"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{path}: NaN and Infinity cannot be stored"
    if isinstance(value, dict):
        for key, item in value.items():
            if "." in key or key.startswith("$") or "\x00" in key:
                return f"{path}: the key {key!r} cannot be stored (., $ or NUL)"
            problem = storage_problem(item, f"{path}.{key}", depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problem = storage_problem(item, f"{path}[{index}]", depth + 1)
            if problem:
                return problem
    return None


def _exportable(value: Any) -> Any:
    """Bytes and non-finite floats in the uniform encoding; the rest is JSON as is."""
    if isinstance(value, dict):
        return {key: _exportable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exportable(item) for item in value]
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": base64.b64encode(struct.pack("<d", value)).decode()}
    return value


def encode_uniform(document: dict[str, Any]) -> str:
    """One documents.jsonl line as Convex writes it: compact, keys in byte
    order, int64 without and float64 with a decimal point (Python's JSON
    writes ``5`` and ``5.0``)."""
    return json.dumps(
        _exportable(document),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )
