"""The catalogue of client-facing texts (``messages.toml``), by section.

A text file so that a translator edits one place; the enums that name the
entries (``ErrorCode``, ``FieldProblem``) turn each section into a table
keyed by their members, which fails at import on an entry without a member.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path


@cache
def _catalogue() -> dict[str, dict[str, dict[str, str]]]:
    text = (Path(__file__).parent / "messages.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def texts(section: str) -> dict[str, tuple[str, str]]:
    """``name -> (English, Turkish)`` of one section (``codes`` or ``fields``)."""
    return {name: (entry["en"], entry["tr"]) for name, entry in _catalogue()[section].items()}
