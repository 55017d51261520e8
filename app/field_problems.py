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
from enum import StrEnum, auto
from typing import Any

from app.messages import texts


class FieldProblem(StrEnum):
    """Every reason a field can be refused; each has a text in FIELD_MESSAGES."""

    REQUIRED = auto()
    UNKNOWN_FIELD = auto()
    UNKNOWN_PARAMETER = auto()
    REPEATED = auto()
    NOT_NULL = auto()
    NOT_OBJECT = auto()
    NOT_STRING = auto()
    NOT_INTEGER = auto()
    NOT_NUMBER = auto()
    NOT_BOOLEAN = auto()
    NOT_LIST = auto()
    TOO_SHORT = auto()
    TOO_LONG = auto()
    TOO_LONG_BYTES = auto()
    TOO_FEW_ITEMS = auto()
    TOO_MANY_ITEMS = auto()
    TOO_SMALL = auto()
    TOO_LARGE = auto()
    PATTERN = auto()
    NOT_ONE_OF = auto()
    INVALID = auto()
    INVALID_ID = auto()
    INVALID_ACTOR = auto()
    NOT_AN_ID = auto()
    NOT_JSON = auto()
    NOT_UTF8 = auto()
    TOO_DEEP = auto()
    DUPLICATE_KEY = auto()
    CONTROL_CHARACTERS = auto()
    INVISIBLE_CHARACTERS = auto()
    EMAIL_INVALID = auto()
    MIXED_SCRIPTS = auto()
    NAME_LENGTH = auto()
    PHONE_DIGITS = auto()
    EMPTY = auto()
    ONLY_WHITESPACE = auto()
    COMMON_PASSWORD = auto()
    SAME_PASSWORD = auto()
    SYSTEM_FIELD = auto()
    NOT_PATCHABLE = auto()
    REQUIRED_FIELD_REMOVED = auto()
    NO_SEARCH_TERMS = auto()
    LAST_MANAGER = auto()
    WRONG_PASSWORD = auto()
    KEY_REUSED = auto()


# reason -> (English, Turkish) from messages.toml; ``{limit}``, ``{values}``,
# ``{pattern}``, ``{table}`` are filled from the FieldError's parameters.
FIELD_MESSAGES: dict[FieldProblem, tuple[str, str]] = {
    FieldProblem(reason): pair for reason, pair in texts("fields").items()
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
