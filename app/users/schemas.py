"""msgspec Structs at the edge for users. A handler never returns a raw document."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import UNSET, UnsetType

from app.constraints import FieldCheck, apply_field_checks
from app.documents.extras import convert_keeping_extras, declared_fields
from app.errors import ValidationError
from app.field_problems import FieldProblem
from app.rows import UserRow
from app.security.password_policy import MIN_CHARACTERS
from app.security.passwords import MAX_PASSWORD_BYTES
from app.users.emails import InvalidEmail, normalize_email
from app.users.models import User


class UserOut(msgspec.Struct, omit_defaults=True):
    """A user as callers see it: no passwordHash, no search helpers; unset optional
    fields are absent (Convex omits undefined)."""

    id: str = msgspec.field(name="_id")
    creation_time: float = msgspec.field(name="_creationTime")
    name: str
    email: str
    role: str
    permissions: list[str]
    isActive: bool
    phone: str | None = None
    avatar: str | None = None
    labels: list[str] | None = None
    createdAt: str | None = None
    lastLogin: str | None = None
    updatedAt: str | None = None
    two_factor_enabled: bool | None = None


_DECLARED = declared_fields(User)


def user_out(document: UserRow) -> UserOut:
    # Model fields UserOut leaves out (passwordHash, searchTokens) are dropped;
    # fields an import kept (not in the model) are returned as stored.
    return convert_keeping_extras(document, UserOut, _DECLARED)


# --- input ---------------------------------------------------------------------
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=400)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=260)]
Role = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
PHONE_PATTERN = r"^\+?[0-9 ()\-]{1,32}$"
Phone = Annotated[str, msgspec.Meta(pattern=PHONE_PATTERN, max_length=32)]
Avatar = Annotated[str, msgspec.Meta(pattern=r"^https?://\S+$", max_length=2048)]
Label = Annotated[str, msgspec.Meta(pattern=r"^[\w-]{1,36}$")]
Labels = Annotated[list[Label], msgspec.Meta(max_length=100)]
Permission = Annotated[str, msgspec.Meta(pattern=r"^\w+:\w+$", max_length=129)]
Permissions = Annotated[list[Permission], msgspec.Meta(max_length=100)]
# Documents the policy in the schema; check_new_password is the rule itself
# (the maximum is in bytes there).
Password = Annotated[str, msgspec.Meta(min_length=MIN_CHARACTERS, max_length=MAX_PASSWORD_BYTES)]


# The checks below run in a Struct's __post_init__ and raise our own
# ValidationError, which names its field: msgspec passes it through unchanged
# (it wraps only ValueError and TypeError, and then the field is lost). A
# Struct lists them in ``field_checks`` (by encoded field name), so all of
# them are reported at once, also next to the declared constraints' errors
# (app/http/input_contract.py).


def clean_name(value: str) -> str:
    """1-200 characters after trimming."""
    trimmed = value.strip()
    if not 1 <= len(trimmed) <= 200:
        raise ValidationError.field("name", FieldProblem.NAME_LENGTH)
    return trimmed


def clean_email(value: str) -> str:
    try:
        return normalize_email(value)
    except InvalidEmail as exc:
        raise ValidationError.fields(exc.field_errors) from None


def check_phone(value: str) -> str:
    if not any(ch.isdigit() for ch in value):
        raise ValidationError.field("phone", FieldProblem.PHONE_DIGITS)
    return value


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    email: Email
    role: Role
    permissions: Permissions = msgspec.field(default_factory=list)
    isActive: bool = True
    phone: Phone | None = None
    avatar: Avatar | None = None
    labels: Labels | None = None
    two_factor_enabled: bool | None = None
    password: Password | None = None

    field_checks: ClassVar[dict[str, FieldCheck]] = {
        "name": clean_name,
        "email": clean_email,
        "phone": check_phone,
    }

    def __post_init__(self) -> None:
        apply_field_checks(self)

    def fields(self) -> dict[str, Any]:
        values = msgspec.structs.asdict(self)
        values.pop("password")
        return {key: value for key, value in values.items() if value is not None}


class UserPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A Convex patch: absent fields stay, ``null`` removes an optional field.

    ``passwordHash`` and unknown fields are rejected by the decoder; system
    fields are accepted only with their stored values (checked in the
    repository).
    """

    id: str | UnsetType = msgspec.field(default=UNSET, name="_id")
    creation_time: float | UnsetType = msgspec.field(default=UNSET, name="_creationTime")
    name: Name | UnsetType | None = UNSET
    email: Email | UnsetType | None = UNSET
    role: Role | UnsetType | None = UNSET
    permissions: Permissions | UnsetType | None = UNSET
    isActive: bool | UnsetType | None = UNSET
    phone: Phone | UnsetType | None = UNSET
    avatar: Avatar | UnsetType | None = UNSET
    labels: Labels | UnsetType | None = UNSET
    two_factor_enabled: bool | UnsetType | None = UNSET

    field_checks: ClassVar[dict[str, FieldCheck]] = {"name": clean_name, "email": clean_email}

    def __post_init__(self) -> None:
        apply_field_checks(self)

    def changes(self) -> dict[str, Any]:
        """The fields the caller gave, by their stored names (``None`` = remove)."""
        return {
            encoded: getattr(self, attr)
            for attr, encoded in zip(
                self.__struct_fields__, self.__struct_encode_fields__, strict=True
            )
            if getattr(self, attr) is not UNSET
        }


class SelfPatch(msgspec.Struct, forbid_unknown_fields=True):
    """What a user may change of their own document."""

    name: Name | UnsetType = UNSET
    phone: Phone | UnsetType | None = UNSET
    avatar: Avatar | UnsetType | None = UNSET

    field_checks: ClassVar[dict[str, FieldCheck]] = {"name": clean_name}

    def __post_init__(self) -> None:
        apply_field_checks(self)

    def changes(self) -> dict[str, Any]:
        return {
            field: getattr(self, field)
            for field in self.__struct_fields__
            if getattr(self, field) is not UNSET
        }


class BatchGetIn(msgspec.Struct, forbid_unknown_fields=True):
    ids: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=100)]


class PasswordSetIn(msgspec.Struct, forbid_unknown_fields=True):
    password: Password


class UserListOut(msgspec.Struct, omit_defaults=True):
    documents: list[UserOut]
    continueCursor: str
    isDone: bool
    total: int | None = None


class BatchGetOut(msgspec.Struct):
    documents: list[UserOut | None]
