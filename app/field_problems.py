"""What can be wrong with one field of a request: the closed set of field
messages, in English and Turkish.

A 400's ``details`` is a list of ``{"field", "reason", "message"}``: ``reason``
is a member of :class:`FieldProblem` (stable, for programs), ``message`` its
text in the caller's language with the member's parameters filled in. Every
message comes from here; none is taken from a framework's or library's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import StrEnum
from typing import Any


class FieldProblem(StrEnum):
    """Every reason a field can be refused; each has a text in FIELD_MESSAGES."""

    REQUIRED = "required"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_PARAMETER = "unknown_parameter"
    REPEATED = "repeated"
    NOT_NULL = "not_null"
    NOT_OBJECT = "not_object"
    NOT_STRING = "not_string"
    NOT_INTEGER = "not_integer"
    NOT_NUMBER = "not_number"
    NOT_BOOLEAN = "not_boolean"
    NOT_LIST = "not_list"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    TOO_LONG_BYTES = "too_long_bytes"
    TOO_FEW_ITEMS = "too_few_items"
    TOO_MANY_ITEMS = "too_many_items"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    PATTERN = "pattern"
    NOT_ONE_OF = "not_one_of"
    INVALID = "invalid"
    INVALID_ID = "invalid_id"
    INVALID_ACTOR = "invalid_actor"
    NOT_AN_ID = "not_an_id"
    NOT_JSON = "not_json"
    NOT_UTF8 = "not_utf8"
    TOO_DEEP = "too_deep"
    DUPLICATE_KEY = "duplicate_key"
    CONTROL_CHARACTERS = "control_characters"
    INVISIBLE_CHARACTERS = "invisible_characters"
    EMAIL_INVALID = "email_invalid"
    MIXED_SCRIPTS = "mixed_scripts"
    NAME_LENGTH = "name_length"
    PHONE_DIGITS = "phone_digits"
    EMPTY = "empty"
    ONLY_WHITESPACE = "only_whitespace"
    COMMON_PASSWORD = "common_password"  # noqa: S105 - a reason, no secret
    SAME_PASSWORD = "same_password"  # noqa: S105 - a reason, no secret
    SYSTEM_FIELD = "system_field"
    NOT_PATCHABLE = "not_patchable"
    REQUIRED_FIELD_REMOVED = "required_field_removed"
    SELF_DEACTIVATION = "self_deactivation"
    NO_SEARCH_TERMS = "no_search_terms"
    LAST_MANAGER = "last_manager"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a reason, no secret
    KEY_REUSED = "key_reused"


# reason -> (English, Turkish); ``{limit}``, ``{values}``, ``{pattern}``, ``{table}``
# are filled from the FieldError's parameters.
FIELD_MESSAGES: dict[FieldProblem, tuple[str, str]] = {
    FieldProblem.REQUIRED: ("is required", "zorunludur"),
    FieldProblem.UNKNOWN_FIELD: ("is not a known field", "bilinmeyen bir alan"),
    FieldProblem.UNKNOWN_PARAMETER: (
        "is not a parameter of this route",
        "bu yolun bir parametresi değil",
    ),
    FieldProblem.REPEATED: ("must be given only once", "yalnızca bir kez verilmeli"),
    FieldProblem.NOT_NULL: ("must not be null", "null olamaz"),
    FieldProblem.NOT_OBJECT: ("must be a JSON object", "bir JSON nesnesi olmalı"),
    FieldProblem.NOT_STRING: ("must be a string", "metin olmalı"),
    FieldProblem.NOT_INTEGER: ("must be an integer", "tam sayı olmalı"),
    FieldProblem.NOT_NUMBER: ("must be a number", "sayı olmalı"),
    FieldProblem.NOT_BOOLEAN: ("must be true or false", "true ya da false olmalı"),
    FieldProblem.NOT_LIST: ("must be a list", "liste olmalı"),
    FieldProblem.TOO_SHORT: (
        "must be at least {limit} characters",
        "en az {limit} karakter olmalı",
    ),
    FieldProblem.TOO_LONG: (
        "must be at most {limit} characters",
        "en fazla {limit} karakter olmalı",
    ),
    FieldProblem.TOO_LONG_BYTES: ("must be at most {limit} bytes", "en fazla {limit} bayt olmalı"),
    FieldProblem.TOO_FEW_ITEMS: ("must have at least {limit} items", "en az {limit} öğe içermeli"),
    FieldProblem.TOO_MANY_ITEMS: (
        "must have at most {limit} items",
        "en fazla {limit} öğe içermeli",
    ),
    FieldProblem.TOO_SMALL: ("must be at least {limit}", "en az {limit} olmalı"),
    FieldProblem.TOO_LARGE: ("must be at most {limit}", "en fazla {limit} olmalı"),
    FieldProblem.PATTERN: ("must match the pattern {pattern}", "{pattern} kalıbına uymalı"),
    FieldProblem.NOT_ONE_OF: ("must be one of: {values}", "şunlardan biri olmalı: {values}"),
    FieldProblem.INVALID: ("is not valid", "geçersiz"),
    FieldProblem.INVALID_ID: (
        "must be an ID of the {table} table",
        "{table} tablosunun bir kimliği olmalı",
    ),
    FieldProblem.INVALID_ACTOR: (
        "must be a user's ID, service:<name> or system:<name>",
        "bir kullanıcı kimliği, service:<ad> ya da system:<ad> olmalı",
    ),
    FieldProblem.NOT_AN_ID: ("must be a document ID", "bir belge kimliği olmalı"),
    FieldProblem.NOT_JSON: ("is not valid JSON", "geçerli bir JSON değil"),
    FieldProblem.NOT_UTF8: ("is not valid UTF-8", "geçerli UTF-8 değil"),
    FieldProblem.TOO_DEEP: ("is nested more than {limit} levels", "{limit} düzeyden fazla iç içe"),
    FieldProblem.DUPLICATE_KEY: ("appears twice in one object", "aynı nesnede iki kez geçiyor"),
    FieldProblem.CONTROL_CHARACTERS: (
        "must not contain control characters",
        "kontrol karakteri içermemeli",
    ),
    FieldProblem.INVISIBLE_CHARACTERS: (
        "must not contain control or invisible characters",
        "kontrol ya da görünmeyen karakter içermemeli",
    ),
    FieldProblem.EMAIL_INVALID: (
        "must be a valid email address",
        "geçerli bir e-posta adresi olmalı",
    ),
    FieldProblem.MIXED_SCRIPTS: (
        "must not mix Latin with Cyrillic or Greek letters",
        "Latin harflerini Kiril ya da Yunan harfleriyle karıştırmamalı",
    ),
    FieldProblem.NAME_LENGTH: (
        "must be 1-200 characters after trimming",
        "baştaki ve sondaki boşluklar atıldıktan sonra 1-200 karakter olmalı",
    ),
    FieldProblem.PHONE_DIGITS: ("must contain digits", "rakam içermeli"),
    FieldProblem.EMPTY: ("must not be empty", "boş olamaz"),
    FieldProblem.ONLY_WHITESPACE: ("must not be only whitespace", "yalnızca boşluktan oluşamaz"),
    FieldProblem.COMMON_PASSWORD: (
        "is too common: it appears in lists of leaked passwords",
        "çok yaygın: sızdırılmış şifre listelerinde geçiyor",
    ),
    FieldProblem.SAME_PASSWORD: (
        "must differ from the current password",
        "mevcut şifreden farklı olmalı",
    ),
    FieldProblem.SYSTEM_FIELD: (
        "system fields cannot be changed",
        "sistem alanları değiştirilemez",
    ),
    FieldProblem.NOT_PATCHABLE: ("this field cannot be patched", "bu alan değiştirilemez"),
    FieldProblem.REQUIRED_FIELD_REMOVED: (
        "a required field cannot be removed",
        "zorunlu bir alan kaldırılamaz",
    ),
    FieldProblem.SELF_DEACTIVATION: (
        "you cannot deactivate yourself",
        "kendi hesabınızı devre dışı bırakamazsınız",
    ),
    FieldProblem.NO_SEARCH_TERMS: (
        "needs at least one letter or digit",
        "en az bir harf ya da rakam içermeli",
    ),
    FieldProblem.LAST_MANAGER: (
        "would leave no active user with users:manage",
        "users:manage yetkisine sahip etkin kullanıcı bırakmaz",
    ),
    FieldProblem.WRONG_PASSWORD: ("is not the current password", "mevcut şifre değil"),
    FieldProblem.KEY_REUSED: (
        "was used before for another request",
        "daha önce başka bir istek için kullanıldı",
    ),
}


@dataclass(frozen=True)
class FieldError:
    """One refused field: where, why, and the parameters of the message."""

    field: str
    problem: FieldProblem
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    def text(self, turkish: bool = False) -> str:
        english, translated = FIELD_MESSAGES[self.problem]
        return (translated if turkish else english).format(**self.params)

    def render(self, turkish: bool = False) -> dict[str, str]:
        return {"field": self.field, "reason": self.problem.value, "message": self.text(turkish)}


def render_details(details: Any, turkish: bool) -> Any:
    """``details`` as sent: FieldErrors in the caller's language, anything else as is."""
    if isinstance(details, list) and any(isinstance(item, FieldError) for item in details):
        return [item.render(turkish) if isinstance(item, FieldError) else item for item in details]
    return details
