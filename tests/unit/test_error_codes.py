"""Error codes are a closed set: every code is an ErrorCode member with both texts,
and no module spells a code as a string."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import msgspec
import pytest

import app
from app.errors import MESSAGES, AppError, ErrorCode, ValidationError
from app.users.schemas import SelfPatch, UserCreate, UserPatch

APP_DIR = Path(app.__file__).parent
CODES = {member.value for member in ErrorCode}


def _all_subclasses(cls: type[AppError]) -> list[type[AppError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_has_english_and_turkish(code: ErrorCode) -> None:
    english, turkish = MESSAGES[code]
    assert english.strip() and turkish.strip() and english != turkish


def test_messages_hold_only_members() -> None:
    assert all(isinstance(code, ErrorCode) for code in MESSAGES)


def test_every_error_class_has_a_member_code() -> None:
    # Import every module, so subclasses defined anywhere in the app are seen.
    for module in pkgutil.walk_packages([str(APP_DIR)], prefix="app."):
        if module.name != "app.__main__":
            importlib.import_module(module.name)
    classes = _all_subclasses(AppError)
    assert len(classes) > 15
    for cls in classes:
        assert isinstance(cls.code, ErrorCode), cls


def test_no_module_spells_a_code_as_a_string() -> None:
    spelled = []
    for path in sorted(APP_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        enum_body: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "ErrorCode":
                enum_body = {id(child) for child in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in CODES and id(node) not in enum_body:
                spelled.append(f"{path.relative_to(APP_DIR)}:{node.lineno} {node.value}")
    assert spelled == []


@pytest.mark.parametrize(
    ("struct", "fields", "field"),
    [
        (UserCreate, {"name": "  ", "email": "a@example.org", "role": "r"}, "name"),
        (UserCreate, {"name": "A", "email": "nope", "role": "r"}, "email"),
        (UserCreate, {"name": "A", "email": "a@example.org", "role": "r", "phone": "()"}, "phone"),
        (UserPatch, {"name": "x" * 201}, "name"),
        (UserPatch, {"email": "a@@example.org"}, "email"),
        (SelfPatch, {"name": "   "}, "name"),
    ],
)
def test_struct_checks_raise_errors_that_name_their_field(
    struct: type[msgspec.Struct], fields: dict[str, object], field: str
) -> None:
    # Not a ValueError: msgspec would turn it into text and lose the field.
    with pytest.raises(ValidationError) as caught:
        msgspec.convert(fields, struct)
    assert [error.field for error in caught.value.field_errors] == [field]
    # The English summary is for logs and the CLI; a response uses the details.
    assert caught.value.message == f"{field}: {caught.value.field_errors[0].text()}"
