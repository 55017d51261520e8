"""The one rule for a new password, on every path that sets one.

NIST SP 800-63B: at least 8 characters, a generous maximum (1,024 bytes, the
limit the hashing path already enforces), no composition rules, and no
password found in lists of breached passwords: here the 30,000 most common
passwords that the zxcvbn package ships (from leaked-password corpora),
compared case-insensitively. Login does not apply it: a password set before
this rule still signs in.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from pathlib import Path

from app.errors import ValidationError
from app.field_problems import FieldProblem
from app.security.passwords import MAX_PASSWORD_BYTES

MIN_CHARACTERS = 8
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_new_password(password: str, field: str = "password") -> None:
    """400 naming ``field`` unless ``password`` may be set."""
    if len(password) < MIN_CHARACTERS:
        raise ValidationError.field(field, FieldProblem.TOO_SHORT, limit=MIN_CHARACTERS)
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise ValidationError.field(field, FieldProblem.TOO_LONG_BYTES, limit=MAX_PASSWORD_BYTES)
    if not password.strip():
        raise ValidationError.field(field, FieldProblem.ONLY_WHITESPACE)
    if _CONTROL.search(password):
        raise ValidationError.field(field, FieldProblem.CONTROL_CHARACTERS)
    if password.lower() in common_passwords():
        raise ValidationError.field(field, FieldProblem.COMMON_PASSWORD)


@functools.cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of common passwords (lower case).

    Its module holds five other word lists as well (importing it adds ≈18 MiB
    to the process); only the passwords line of its source is read (≈5 MiB,
    the set itself), and the import is the fallback should that layout change.
    """
    # Found without importing the package: its __init__ imports every list.
    spec = importlib.util.find_spec("zxcvbn")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "frequency_lists.py"
        with path.open("rb") as source:
            for raw in source:
                # The line is `"passwords": "123456,password,...".split(","),`
                if raw.lstrip().startswith(b'"passwords": "'):
                    line = raw.decode()
                    literal = line[line.index(": ") + 2 : line.rindex(".split(")]
                    value = ast.literal_eval(literal)
                    if isinstance(value, str):
                        return frozenset(value.split(","))
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])
