"""The Convex API's pure parts: convex_encoded_json both ways (CONVEX.md §1.4,
§1.8: the client's captured bodies), function paths (§1.5) and validators."""

from __future__ import annotations

import math

import pytest

from app.convex_api.paths import BadFunctionPath, parse_function_path
from app.convex_api.validators import ArgumentError, v
from app.convex_io.values import BadValue, decode_encoded, to_encoded
from app.documents.ids import mint

TABLES = {10001: "users", 10002: "user_sessions"}.get


def test_the_clients_captured_bodies_decode() -> None:
    body = decode_encoded(
        '{"path":"users:update","format":"convex_encoded_json","args":[{"big":{"$integer":'
        '"BQAAAAAAAAA="},"id":"x","inf":{"$float":"AAAAAAAA8H8="},"name":"Ali",'
        '"neg0":{"$float":"AAAAAAAAAIA="},"nan":{"$float":"AAAAAAAA+H8="},'
        '"minus":{"$integer":"//////////8="},"bytes":{"$bytes":"AQID"},"limit":50}]}'
    )
    args = body["args"][0]
    assert args["big"] == 5 and isinstance(args["big"], int)
    assert args["minus"] == -1
    assert args["inf"] == math.inf and math.isnan(args["nan"])
    assert args["neg0"] == 0 and math.copysign(1, args["neg0"]) < 0
    assert args["bytes"] == b"\x01\x02\x03"
    assert args["limit"] == 50.0 and isinstance(args["limit"], float)  # every number a float64


@pytest.mark.parametrize(
    "text",
    [
        '{"a":{"$float":"AAAAAAAA+D8="}}',  # 1.5 must be a plain number
        '{"a":{"$integer":"BQ=="}}',  # not 8 bytes
        '{"a":{"$set":"AA=="}}',
        '{"a":{"x":1,"$y":2}}',
        '{"a":1,"a":2}',
        "[1]",
        "{",
    ],
)
def test_malformed_encodings_are_refused(text: str) -> None:
    with pytest.raises(BadValue):
        decode_encoded(text)


def test_values_encode_as_the_client_reads_them() -> None:
    assert to_encoded({"n": 5, "f": 1.5, "neg0": -0.0, "nan": math.nan, "b": b"\x01\x02\x03"}) == {
        "n": {"$integer": "BQAAAAAAAAA="},
        "f": 1.5,
        "neg0": {"$float": "AAAAAAAAAIA="},
        "nan": {"$float": "AAAAAAAA+H8="},
        "b": {"$bytes": "AQID"},
    }
    assert to_encoded([5, -math.inf, b"\x01", True], clean=True) == ["5", "-Infinity", "AQ==", True]
    with pytest.raises(BadValue):
        to_encoded(2**63)


@pytest.mark.parametrize(
    ("path", "name", "canonical"),
    [
        ("auth:getUserByEmail", "auth:getUserByEmail", "auth.js:getUserByEmail"),
        ("auth.js:getUserByEmail", "auth:getUserByEmail", "auth.js:getUserByEmail"),
        ("nested/mod:act", "nested/mod:act", "nested/mod.js:act"),
        ("mod", "mod", "mod.js:default"),
    ],
)
def test_function_paths_as_the_backend_parses_them(path: str, name: str, canonical: str) -> None:
    parsed = parse_function_path(path)
    assert (parsed.name, parsed.canonical) == (name, canonical)


@pytest.mark.parametrize(
    "path", ["", "/abs:f", "mod.ts:f", "a//b:f", "dir/:f", "m:", "../x:f", "a:b:c", 5]
)
def test_malformed_paths_are_refused(path: object) -> None:
    with pytest.raises(BadFunctionPath):
        parse_function_path(path)


def test_optional_means_absent_and_extra_fields_are_errors() -> None:
    args = v.object(id=v.id("users"), name=v.optional(v.string()))
    user = mint(10001)
    args.check({"id": user}, "", TABLES)
    args.check({"id": "0123456789abcdef01234567"}, "", TABLES)  # a legacy ObjectId
    with pytest.raises(ArgumentError, match=r"Path: \.name\nValue: null\nValidator: v\.string\(\)"):
        args.check({"id": user, "name": None}, "", TABLES)
    with pytest.raises(ArgumentError, match="extra field `x`"):
        args.check({"id": user, "x": 1.0}, "", TABLES)
    with pytest.raises(ArgumentError, match="from table `user_sessions`"):
        args.check({"id": mint(10002)}, "", TABLES)
    with pytest.raises(ArgumentError, match="Value does not match validator"):
        args.check({"id": mint(10009)}, "", TABLES)  # a table this deployment lacks


def test_numbers_booleans_and_literals_are_told_apart() -> None:
    args = v.object(
        limit=v.optional(v.number()),
        flag=v.optional(v.boolean()),
        action=v.optional(v.union(v.literal("CREATE"), v.literal("VIEW"))),
    )
    args.check({"limit": math.nan, "flag": False, "action": "VIEW"}, "", TABLES)
    for bad in ({"limit": 5}, {"limit": True}, {"flag": 1.0}, {"action": "READ"}):
        with pytest.raises(ArgumentError):
            args.check(bad, "", TABLES)
