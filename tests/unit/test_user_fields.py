"""A user's fields are declared once (the model); the patch rules, the boolean
repair, the response shape and the patch body are derived from it or checked
against it here."""

from __future__ import annotations

from app.documents import ConvexDocument
from app.users.models import User
from app.users.repository import PASSWORD_HASH, UsersRepository
from app.users.schemas import UserOut, UserPatch

SYSTEM = {"_id", "_creationTime"}
HIDDEN = {PASSWORD_HASH, "searchTokens"}


def stored_fields() -> set[str]:
    own = set(User.model_fields) - set(ConvexDocument.model_fields)
    return {User.model_fields[name].alias or name for name in own}


def test_patch_rules_come_from_the_model() -> None:
    rules = UsersRepository.rules
    assert rules.required == {"name", "email", "role", "permissions", "isActive"}
    assert rules.optional == {
        "phone",
        "avatar",
        "labels",
        "createdAt",
        "lastLogin",
        "updatedAt",
        "two_factor_enabled",
    }
    assert rules.protected == HIDDEN
    assert rules.required | rules.optional | rules.protected == stored_fields()


def test_boolean_repair_covers_every_boolean_field() -> None:
    assert set(UsersRepository.booleans) == {"isActive", "two_factor_enabled"}


def test_the_response_is_the_model_without_its_hidden_fields() -> None:
    out = set(UserOut.__struct_encode_fields__)
    assert out == (stored_fields() - HIDDEN) | SYSTEM


def test_a_patch_body_names_only_patchable_fields() -> None:
    rules = UsersRepository.rules
    patchable = set(UserPatch.__struct_encode_fields__) - SYSTEM
    assert patchable <= rules.required | rules.optional
    assert not patchable & HIDDEN
