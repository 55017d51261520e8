"""The control-character check of request bodies (app/http/control_chars.py)."""

from __future__ import annotations

import pytest

from app.errors import ValidationError
from app.field_problems import FieldError, FieldProblem
from app.http.control_chars import check_json_body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (rb'{"name":"a\u0000b"}', "name"),
        (rb'{"name":"a\u001fb"}', "name"),
        (rb'{"name":"tab\there"}', "name"),
        (rb'{"name":"line\nbreak"}', "name"),
        (rb'{"name":"del\u007f"}', "name"),
        ('{"name":"raw C1 \u0085"}'.encode(), "name"),
        (b'{"name":"raw DEL \x7f"}', "name"),
        (rb'{"labels":["ok","b\u0000"]}', "labels[1]"),
        (rb'{"a":{"b":{"c":"\u0001"}}}', "a.b.c"),
        (rb'{"key\u0000":"value"}', "body"),  # a key: reported without echoing it
        (rb'["\u0000"]', "[0]"),
        (rb'"\u0000"', "body"),
    ],
)
def test_control_characters_are_refused(body: bytes, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_json_body(body)
    assert caught.value.details == [FieldError(field, FieldProblem.CONTROL_CHARACTERS)]


@pytest.mark.parametrize(
    "body",
    [
        b'{"name":"Ay\xc5\x9fe Y\xc4\xb1lmaz"}',  # UTF-8 letters (never a C1 byte pair)
        rb'{"name":"a backslash then u0000: \\u0000"}',  # an escaped backslash, not a NUL
        rb'{"name":"quote \" and slash \/"}',
        b'{\n  "name": "pretty printed"\n}',  # whitespace between tokens is not in a string
        b"not json at all \x00",  # left to the handler's decoder
        b'{"name":"\xff"}',  # invalid UTF-8: the handler's error
        b"[" * 20000 + b"]" * 20000,  # too deep to decode: the handler's error
    ],
)
def test_clean_or_undecodable_bodies_pass(body: bytes) -> None:
    check_json_body(body)
