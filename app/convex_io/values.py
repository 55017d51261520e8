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
from datetime import datetime
from typing import Any

from app.clock import js_iso, ms_of_datetime

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


# --- convex_encoded_json: the wire format of Convex's HTTP clients (CONVEX.md §1.8) ---
# Every plain JSON number is a float64; ``$integer``/``$float``/``$bytes`` carry the
# rest. Unlike the uniform era, an integral number is a float64 here.


def _encoded_object(pairs: list[tuple[str, Any]]) -> Any:
    value = _uniform_object(pairs)
    if pairs and pairs[0][0] == "$float" and math.isfinite(value) and value != 0:
        raise BadValue("a normal float64 must be encoded as a number, not $float")
    if isinstance(value, dict) and any(key.startswith("$") for key in value):
        raise BadValue("a field name may not start with $")
    return value


def decode_encoded(text: str | bytes) -> dict[str, Any]:
    """A request body in ``convex_encoded_json``: int64 → int, float64 → float,
    bytes → bytes."""
    if isinstance(text, bytes):
        try:
            text = text.decode()
        except UnicodeDecodeError:
            raise BadValue("not UTF-8") from None
    return _decode(text, _encoded_object, float)


def _float_bits(value: float) -> dict[str, str]:
    return {"$float": base64.b64encode(struct.pack("<d", value)).decode()}


def to_encoded(value: Any, *, clean: bool = False, depth: int = 0) -> Any:
    """A Python value as ``convex_encoded_json`` (``clean``: Convex's ``json``
    format, int64 as a decimal string, bytes as base64, NaN/±Inf as strings)."""
    if depth > MAX_DEPTH:
        raise BadValue("nested too deeply")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise BadValue("an integer outside int64")
        if clean:
            return str(value)
        return {"$integer": base64.b64encode(value.to_bytes(8, "little", signed=True)).decode()}
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN" if clean else _float_bits(value)
        if math.isinf(value):
            return ("Infinity" if value > 0 else "-Infinity") if clean else _float_bits(value)
        if value == 0 and math.copysign(1.0, value) < 0 and not clean:
            return _float_bits(value)
        return value
    if isinstance(value, datetime):  # stored dates read as the panel's ISO strings
        return js_iso(ms_of_datetime(value))
    if isinstance(value, bytes):
        encoded = base64.b64encode(value).decode()
        return encoded if clean else {"$bytes": encoded}
    if isinstance(value, dict):
        return {
            str(key): to_encoded(item, clean=clean, depth=depth + 1) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [to_encoded(item, clean=clean, depth=depth + 1) for item in value]
    raise BadValue(f"{type(value).__name__} is not a Convex value")
