"""Strict decoding of JSON request bodies, the one place every JSON body passes.

msgspec (Litestar's decoder) wraps only its own ``DecodeError``: invalid UTF-8
escapes as ``UnicodeDecodeError`` and deep nesting as ``RecursionError``, both
500s. It also keeps the last of duplicate keys, while other JSON readers (a
WAF, a proxy) may keep the first, so the two would see different requests.
Here all three are a 400 with the one error body.

The duplicate check costs about one msgspec re-encode of the decoded body
(README, "Request bodies"): outside string literals a colon only ever
separates a key from its value, so a body without duplicates has exactly as
many colons as its decoded value re-encoded. A dropped duplicate removes at
least its own colon, and the slow exact check (the standard library's parser
with a pairs hook) then names the key. Only an escaped colon (``\\u003a``)
breaks the count, and bodies holding one take the exact check directly.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from litestar import Request
from litestar.types import Empty

from app.errors import AppError, ErrorCode, ValidationError
from app.field_problems import FieldError, FieldProblem

# Bodies of this API nest at most three levels; the limit keeps recursion in
# every later step (validation, BSON, audit diffs) far from Python's own.
MAX_DEPTH = 32

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


class DuplicateJSONKey(AppError, code=ErrorCode.DUPLICATE_KEY, status=400): ...


def _invalid(problem: FieldProblem, **params: Any) -> ValidationError:
    return ValidationError.field("body", problem, **params)


def _depth(value: Any) -> int:
    """Nesting depth of a decoded value, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _more_brackets_than(body: bytes, limit: int) -> bool:
    """Whether ``body`` holds more than ``limit`` opening brackets (memchr, not count)."""
    seen = 0
    for bracket in (b"[", b"{"):
        at = body.find(bracket)
        while at != -1:
            seen += 1
            if seen > limit:
                return True
            at = body.find(bracket, at + 1)
    return False


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateJSONKey(details=[FieldError(key[:64], FieldProblem.DUPLICATE_KEY)])
            seen.add(key)
    return result


def _check_duplicates(body: bytes, value: Any) -> None:
    # A one-byte search first: the six-byte ones cost ~3 ns per body byte.
    escaped_colon = b"\\" in body and (b"\\u003a" in body or b"\\u003A" in body)
    if not escaped_colon and body.count(b":") == _encoder.encode(value).count(b":"):
        return
    # Depth is bounded already, so the standard parser's recursion is safe.
    json.loads(body, object_pairs_hook=_refuse_duplicates)


def decode_body(body: bytes) -> Any:
    """The decoded body, or a 400: malformed, not UTF-8, too deep, duplicate keys."""
    try:
        value = _decoder.decode(body)
    except msgspec.DecodeError:
        raise _invalid(FieldProblem.NOT_JSON) from None
    except UnicodeDecodeError:
        raise _invalid(FieldProblem.NOT_UTF8) from None
    except RecursionError:
        raise _invalid(FieldProblem.TOO_DEEP, limit=MAX_DEPTH) from None
    # Fewer brackets than the limit cannot nest deeper than it: skip the walk.
    if _more_brackets_than(body, MAX_DEPTH) and _depth(value) > MAX_DEPTH:
        raise _invalid(FieldProblem.TOO_DEEP, limit=MAX_DEPTH)
    if b":" in body:
        _check_duplicates(body, value)
    return value


class StrictJSONRequest(Request[Any, Any, Any]):
    """Litestar's request with :func:`decode_body` as its JSON decoder."""

    async def json(self) -> Any:
        if self._json is Empty:
            if (cached := self._connection_state.json) is not Empty:
                self._json = cached
            else:
                body = await self.body()
                self._json = self._connection_state.json = decode_body(body or b"null")
        return self._json
