"""Decoding a snapshot's lines in both eras, and encoding an export's."""

from __future__ import annotations

import json
import math

import pytest

from app.clock import js_iso, parse_js_iso
from app.convex_io.shapes import INFER, apply, parse_context, parse_shape
from app.convex_io.values import BadValue, decode_plain, decode_uniform, encode_uniform
from tests.support.convex_spec import fixture_id as convex_id
from tests.support.convex_spec import table_number as table_number_of

REAL_IDS = {
    "j570c3a2vfz8js99c3t12b68hh863egz": 10001,
    "jd71dy1pftegp7scv1wxkzys5n7j2d97": 10003,
    "k171n27h1hqgcn1fy1944x9yw57n2de2": 10008,
}


def test_uniform_keeps_int64_float64_and_bytes_apart() -> None:
    line = (
        '{"a": 5, "b": 5.0, "c": 1700000000000.5, "d": {"$integer": "BQAAAAAAAAA="},'
        ' "e": {"$float": "AAAAAAAA8H8="}, "f": {"$bytes": "AQID"}, "g": -0.0,'
        ' "h": 99999999999999999999, "i": [1, 2.5, {"$float": "AAAAAAAA+H8="}]}'
    )
    value = decode_uniform(line)
    assert value["a"] == 5 and type(value["a"]) is int
    assert value["b"] == 5.0 and type(value["b"]) is float
    assert value["c"] == 1700000000000.5
    assert value["d"] == 5 and type(value["d"]) is int
    assert value["e"] == math.inf
    assert value["f"] == b"\x01\x02\x03"
    assert math.copysign(1, value["g"]) == -1
    assert type(value["h"]) is float  # beyond int64: a float64, as Convex reads it
    assert value["i"][:2] == [1, 2.5] and math.isnan(value["i"][2])


@pytest.mark.parametrize(
    "line",
    [
        '{"a": NaN}',
        '{"a": 1, "a": 2}',
        '{"a": {"$integer": "AQ=="}}',
        '{"a": {"$bytes": "AQID", "b": 1}}',
        '{"a": {"$set": "AQID"}}',
        "[1, 2]",
        '{"a": "unterminated',
    ],
)
def test_uniform_refuses_what_convex_refuses(line: str) -> None:
    with pytest.raises(BadValue):
        decode_uniform(line)


def test_the_older_era_reads_every_number_as_a_float64() -> None:
    assert decode_plain('{"n": 5, "_creationTime": 1700000000000}') == {
        "n": 5.0,
        "_creationTime": 1700000000000.0,
    }
    assert type(decode_plain('{"n": 5}')["n"]) is float


def test_a_shape_line_turns_strings_back_into_int64_bytes_and_infinities() -> None:
    shape = parse_shape(
        '{"_creationTime": normalfloat64, "_id": id<10001>, "count": int64, "data"?: bytes,'
        ' "big": inf | -inf, "label": "a" | "b", "tags": array<string>,'
        ' "by": record<string, int64>, "free"?: unknown}'
    )
    document = {
        "_creationTime": 1.5,
        "_id": "x",
        "count": "5",
        "data": "AQID",
        "big": "-Infinity",
        "label": "a",
        "tags": ["5"],
        "by": {"k": "7"},
        "free": "5",
    }
    decoded = apply(INFER, document, frozenset({shape}))
    assert decoded == {
        "_creationTime": 1.5,
        "_id": "x",
        "count": 5,
        "data": b"\x01\x02\x03",
        "big": -math.inf,
        "label": "a",
        "tags": ["5"],
        "by": {"k": 7},
        "free": "5",  # ambiguous under unknown: a string unless an override says
    }


def test_overrides_decide_what_the_shape_leaves_open() -> None:
    shape = parse_shape('{"meta"?: unknown, "mixed": array<int64 | string>}')
    override = parse_context(
        json.loads(
            '{"meta": {"n": "int64", "raw": "bytes", "x": {"$float64NaN": "AAAAAAAA+H8="},'
            ' "inf": "float64inf", "list": ["infer", "int64"]}, "mixed": ["int64", "infer"]}'
        )
    )
    document = {
        "meta": {"n": "12", "raw": "AAE=", "x": "NaN", "inf": "Infinity", "list": ["7", "7"]},
        "mixed": ["1", "1"],
        "plain": "1",
    }
    decoded = apply(override, document, frozenset({shape}))
    meta = decoded["meta"]
    assert (meta["n"], meta["raw"], meta["inf"], meta["list"]) == (
        12,
        b"\x00\x01",
        math.inf,
        ["7", 7],
    )
    assert math.isnan(meta["x"])
    assert decoded["mixed"] == [1, "1"] and decoded["plain"] == "1"


@pytest.mark.parametrize(
    "text", ["{", '{"a" string}', "array<int64", "id<x>", "thing", '{"a": int64}}']
)
def test_a_malformed_shape_is_refused(text: str) -> None:
    with pytest.raises(BadValue):
        parse_shape(text)


def test_export_lines_are_what_convex_writes() -> None:
    line = encode_uniform(
        {"b": 5, "a": 5.0, "_id": "x", "Z": b"\x01", "n": float("nan"), "m": -0.0, "ş": "ğ"}
    )
    assert line == (
        '{"Z":{"$bytes":"AQ=="},"_id":"x","a":5.0,"b":5,"m":-0.0,'
        '"n":{"$float":"AAAAAAAA+H8="},"ş":"ğ"}'
    )
    assert decode_uniform(line)["b"] == 5 and decode_uniform(line)["a"] == 5.0


def test_times_as_javascript_writes_them() -> None:
    assert parse_js_iso("2025-11-12T16:06:30.123Z") == 1762963590123
    assert parse_js_iso("2025-11-12T19:06:30.123+03:00") == 1762963590123
    assert js_iso(1762963590123) == "2025-11-12T16:06:30.123Z"
    assert js_iso(0) == "1970-01-01T00:00:00.000Z"
    for text in ("2025-11-12T16:06:30.1234Z", "2025-11-12T16:06:30", "yesterday"):
        with pytest.raises(ValueError):
            parse_js_iso(text)


def test_fixture_ids_are_convex_ids() -> None:
    for document_id, number in REAL_IDS.items():
        assert table_number_of(document_id) == number
    import random

    rng = random.Random(3)
    for number, length in [(1, 31), (127, 31), (10001, 32), (16384, 34), (2**32 - 1, 37)]:
        made = convex_id(number, 1762963590123.5, rng)
        assert len(made) == length and table_number_of(made) == number
    assert convex_id(10001, 0, rng).startswith("j5")
