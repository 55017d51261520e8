"""What may be written to an audit log, a security event or a log line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"password|hash|token|secret", re.IGNORECASE)


def is_secret_field(name: str) -> bool:
    return bool(_SECRET_KEY.search(name))


def redact(details: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the value of every secret-looking key, at any depth."""
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if is_secret_field(key):
            clean[key] = REDACTED
        elif isinstance(value, Mapping):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean
