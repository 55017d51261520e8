"""The field errors of a 400 are a closed set with both texts, and the walk of a
declared type names every failure (app/field_problems.py, app/constraints.py)."""

from __future__ import annotations

import string
from typing import Annotated, Any, Literal

import msgspec
import pytest

from app.constraints import problems, refuses, struct_problems, type_info
from app.field_problems import FIELD_MESSAGES, FieldError, FieldProblem


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("problem", list(FieldProblem))
def test_every_reason_has_english_and_turkish(problem: FieldProblem) -> None:
    english, turkish = FIELD_MESSAGES[problem]
    assert english.strip() and turkish.strip() and english != turkish
    # Both texts take the same parameters, so either renders.
    assert _placeholders(english) == _placeholders(turkish)


def test_a_field_error_renders_in_either_language() -> None:
    error = FieldError("limit", FieldProblem.TOO_LARGE, {"limit": 100})
    assert error.render() == {
        "field": "limit",
        "reason": "too_large",
        "message": "must be at most 100",
    }
    assert error.render(turkish=True)["message"] == "en fazla 100 olmalı"


class Inner(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(pattern="^[a-z]+$")]


class Body(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=5)]
    count: Annotated[int, msgspec.Meta(ge=1, le=10)]
    kind: Literal["a", "b"]
    tags: Annotated[list[Annotated[str, msgspec.Meta(max_length=2)]], msgspec.Meta(max_length=3)]
    inner: Inner | None = None
    flag: bool = False


def test_every_failure_of_a_body_is_named() -> None:
    body: dict[str, Any] = {
        "extra": 1,
        "name": "toolong",
        "count": 0,
        "kind": "c",
        "tags": ["ok", "long"],
        "inner": {"code": "UP"},
        "flag": "maybe",
    }
    found = [(e.field, e.problem) for e in struct_problems(body, type_info(Body))]
    assert found == [
        ("extra", FieldProblem.UNKNOWN_FIELD),
        ("name", FieldProblem.TOO_LONG),
        ("count", FieldProblem.TOO_SMALL),
        ("kind", FieldProblem.NOT_ONE_OF),
        ("tags[1]", FieldProblem.TOO_LONG),
        ("inner.code", FieldProblem.PATTERN),
        ("flag", FieldProblem.NOT_BOOLEAN),
    ]
    assert [(e.field, e.problem) for e in struct_problems({}, type_info(Body))] == [
        ("name", FieldProblem.REQUIRED),
        ("count", FieldProblem.REQUIRED),
        ("kind", FieldProblem.REQUIRED),
        ("tags", FieldProblem.REQUIRED),
    ]
    assert struct_problems([1], type_info(Body)) == [FieldError("body", FieldProblem.NOT_OBJECT)]


@pytest.mark.parametrize(
    ("value", "annotation"),
    [
        ("5", Annotated[int, msgspec.Meta(ge=1)]),  # query strings convert like Litestar's
        ("true", bool),
        (None, str | None),
        ("b", Literal["a", "b"] | None),
        (["x", "y"], list[str]),
        (3.0, int),
    ],
)
def test_what_msgspec_accepts_is_not_refused(value: Any, annotation: Any) -> None:
    assert not refuses(value, annotation)
    assert problems(value, type_info(annotation), "f") == []


def test_the_string_null_is_not_an_absent_filter() -> None:
    # msgspec's lax mode reads "null" as None where the Literal cannot hold it.
    action = Literal["CREATE", "VIEW"] | None
    assert refuses("null", action)
    assert [e.problem for e in problems("null", type_info(action), "action")] == [
        FieldProblem.NOT_ONE_OF
    ]
    assert not refuses("null", str | None)  # a string filter takes it as a string
