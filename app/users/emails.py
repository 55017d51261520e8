"""One address, one spelling: the rule every path that takes an email goes through.

Pure (no I/O). ``normalize_email`` returns the form stored in ``users.email``
and used for every lookup, so the unique index ``by_email`` decides on it:

1. Control, format and other invisible characters (NUL, zero-width space,
   soft hyphen, bidi controls, variation selectors, ...) are refused, never
   silently removed: an address that needs them is not the one on file.
2. Unicode NFKC: compatibility forms (full-width ``ＡＤＭＩＮ``, the ligature
   ``ﬁ``, the Kelvin sign) become their plain letters; canonically equivalent
   spellings (``é`` vs ``e`` + U+0301) become one.
3. email-validator checks the syntax (no quoted local parts, display names or
   IP literals; at most 64 characters before the @) and turns the domain into
   its IDNA form, written in Unicode (``xn--k-fka.com`` and ``kı.com`` are one).
4. The local part is lower-cased as RFC 8265 does for case-insensitive names
   (Unicode ``toLowerCase``, not case folding: ``ß`` stays ``ß``), after
   mapping Turkish ``İ`` and ``ı`` to ``i``: mail systems do not tell
   ``ADMİN``/``admın`` from ``admin`` reliably, so neither do we. The domain is
   left to IDNA (``ı`` is a different letter in a host name).
5. Latin mixed with Cyrillic or Greek in the local part or in one domain label
   (``аdmin`` with a Cyrillic ``а``) is refused: such mixes exist to imitate
   another address.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from confusable_homoglyphs import categories
from email_validator import EmailNotValidError, validate_email

from app.errors import ValidationError
from app.field_problems import FieldError, FieldProblem

MAX_EMAIL_LENGTH = 254

# Unicode general categories that are never part of an address: controls,
# format characters (zero-width space, soft hyphen, bidi), surrogates, private
# use, unassigned, line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Default_Ignorable_Code_Point characters of other categories (Unicode
# DerivedCoreProperties): they render as nothing too.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),  # Mongolian variation selectors
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),
    (0xE0100, 0xE01EF),
)
_TURKISH_I = str.maketrans({"İ": "i", "ı": "i"})
_LOOKALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})


class InvalidEmail(ValidationError, ValueError):
    """400 naming the field ``email``; also a ValueError, as callers may expect
    of a parse. Request Structs turn it into their own field error first
    (``clean_email``), which msgspec passes through with its field. ``str()``
    is the English text with the library's own explanation, for the CLI and
    import reports; a response carries only the closed-set reason."""

    def __init__(self, problem: FieldProblem, explanation: str = "", **params: Any) -> None:
        error = FieldError("email", problem, params)
        text = f"email {error.text()}" + (f": {explanation}" if explanation else "")
        super().__init__(text, details=[error])
        self.problem, self.params = problem, params


def has_invisible(text: str) -> bool:
    if text.isascii() and text.isprintable():
        return False  # the usual case, without a per-character lookup
    return any(is_invisible(char) for char in text)


def is_invisible(char: str) -> bool:
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def _mixes_lookalike_scripts(text: str) -> bool:
    if text.isascii():
        return False  # Latin only
    scripts = {categories.alias(char) for char in text if char.isalpha()}
    return len(scripts & _LOOKALIKE_SCRIPTS) > 1


def normalize_email(value: str) -> str:
    """The stored, comparable form of an address, or ``InvalidEmail``."""
    if has_invisible(value):
        raise InvalidEmail(FieldProblem.INVISIBLE_CHARACTERS)
    text = unicodedata.normalize("NFKC", value.strip()).strip()
    if has_invisible(text):
        raise InvalidEmail(FieldProblem.INVISIBLE_CHARACTERS)
    if len(text) > MAX_EMAIL_LENGTH * 4:
        # email-validator's work grows with the input; nothing this long is an address.
        raise InvalidEmail(FieldProblem.TOO_LONG, limit=MAX_EMAIL_LENGTH)
    try:
        checked = validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            strict=True,
        )
    except EmailNotValidError as exc:
        raise InvalidEmail(FieldProblem.EMAIL_INVALID, str(exc)) from exc
    local = unicodedata.normalize("NFKC", checked.local_part.translate(_TURKISH_I).lower())
    domain = checked.domain
    if _mixes_lookalike_scripts(local) or any(
        _mixes_lookalike_scripts(label) for label in domain.split(".")
    ):
        raise InvalidEmail(FieldProblem.MIXED_SCRIPTS)
    normalized = f"{local}@{domain}"
    if len(normalized) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(FieldProblem.TOO_LONG, limit=MAX_EMAIL_LENGTH)
    return normalized
