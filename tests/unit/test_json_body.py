"""The strict JSON body decoder: what it refuses, and that its fast duplicate check
agrees with the exact one."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from app.errors import ValidationError
from app.field_problems import FieldError, FieldProblem
from app.http.json_body import MAX_DEPTH, DuplicateJSONKey, decode_body


@pytest.mark.parametrize(
    "body",
    [
        b'{"email":"\xff"}',
        b'{"\xc3\x28":1}',
        b'"\xed\xa0\x80"',  # an encoded surrogate is not UTF-8
        b"[" * 10_000 + b"]" * 10_000,
        b"[" * 100_000 + b"]" * 100_000,
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1),
        b"{not json",
        b'"\\ud800"',  # lone surrogate escape
    ],
)
def test_bad_bodies_are_validation_errors(body: bytes) -> None:
    with pytest.raises(ValidationError):
        decode_body(body)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b'{"role":"user","role":"admin"}', "role"),
        (b'{"role" : "user" , "role":"admin"}', "role"),
        (b'{"a":"x:y","a":"z"}', "a"),
        (b'{"r\\u006fle":1,"role":2}', "role"),
        (b'{"a/b":1,"a\\/b":2}', "a/b"),
        (b'{"x":"\\u003a","k":1,"k":2}', "k"),
        (b'[1,{"o":{"p":[{"q":1,"q":1}]}}]', "q"),
        (b'{"\\u00e7":1,"\xc3\xa7":2}', "\u00e7"),
    ],
)
def test_duplicate_keys_are_refused_at_any_depth(body: bytes, key: str) -> None:
    with pytest.raises(DuplicateJSONKey) as error:
        decode_body(body)
    assert error.value.details == [FieldError(key, FieldProblem.DUPLICATE_KEY)]


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
        b'{"url":"https://x.org:8080/a:b","t":"\\"a\\":1"}',
        b'{"escaped":"\\u003a\\u003A","k":1}',
        b'{"big":123456789012345678901234567890,"n":-0.0}',
        b"[" * MAX_DEPTH + b"]" * MAX_DEPTH,
        b'{"s":"' + b"[{" * 100 + b'"}',  # brackets inside a string do not nest
        b"null",
    ],
)
def test_ordinary_bodies_decode_as_json_does(body: bytes) -> None:
    assert decode_body(body) == json.loads(body)


def random_value(rng: random.Random, depth: int = 0) -> Any:
    keys = ["a", "b", "ab", "a:b", "é", "ç", ":", "x"]
    kind = rng.randrange(6 if depth < 4 else 3)
    if kind == 0:
        return rng.choice([None, True, 1, -2.5, "v", "v:w", "::", 'q"t', "ş"])
    if kind in (1, 2):
        return rng.choice(keys)
    if kind in (3, 4):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return [(rng.choice(keys), random_value(rng, depth + 1)) for _ in range(rng.randrange(4))]


def render(value: Any, rng: random.Random) -> str:
    """JSON text with objects as pair lists (so duplicates survive), random spacing
    and escapes."""
    space = rng.choice(["", " ", "\n"])
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        pairs = [f"{render(k, rng)}{space}:{space}{render(v, rng)}" for k, v in value]
        return "{" + ",".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + f",{space}".join(render(item, rng) for item in value) + "]"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
        return text.replace(":", "\\u003a") if rng.random() < 0.2 else text
    return json.dumps(value)


def has_duplicates(value: Any) -> bool:
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        keys = [k for k, _ in value]
        return len(set(keys)) != len(keys) or any(has_duplicates(v) for _, v in value)
    if isinstance(value, list):
        return any(has_duplicates(item) for item in value)
    return False


def test_the_fast_check_agrees_with_the_exact_one() -> None:
    rng = random.Random(20261124)
    refused = 0
    for _ in range(5_000):
        value = random_value(rng)
        body = render(value, rng).encode()
        if has_duplicates(value):
            with pytest.raises(DuplicateJSONKey):
                decode_body(body)
            refused += 1
        else:
            assert decode_body(body) == json.loads(body)
    assert 200 < refused < 4_800  # both kinds were really generated
