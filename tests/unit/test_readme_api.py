"""README's route table against the OpenAPI document: the same operations,
callers and summaries, so neither can drift from the other."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.asgi import create_app
from app.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = "| route | who | summary (the document's) | notes |"
ROUTE = re.compile(r"^`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)`$")


def readme_rows(text: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(method, path) -> (who, summary) of every row of the route table."""
    lines = text.splitlines()
    start = lines.index(HEADER) + 2
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        route, who, summary, _notes = (cell.strip() for cell in line.strip("|").split("|"))
        match = ROUTE.match(route)
        assert match, f"not one `METHOD /path` in the route cell: {line}"
        key = (match[1], match[2])
        assert key not in rows, f"{key} is listed twice"
        rows[key] = (who, summary)
    return rows


def callers(operation: dict[str, Any]) -> str:
    """The README's `who` for the operation's security requirements."""
    names: list[str] = []
    for requirement in operation.get("security") or []:
        ((scheme, needed),) = requirement.items()
        if scheme == "bearerSession":  # the cookie scheme says the same
            names.append("admin" if needed == ["users:manage"] else "session")
        elif scheme == "serviceToken":
            names.append(f"service({needed[0]})")
    return ", ".join(names) or "anyone"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app(Settings(mongodb_url="mongodb://127.0.0.1:1/"))
    schema: dict[str, Any] = app.openapi_schema.to_schema()
    return schema


def test_the_readme_lists_every_operation_as_the_document_does(
    document: dict[str, Any],
) -> None:
    rows = readme_rows(README.read_text(encoding="utf-8"))
    operations = {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert set(rows) == set(operations)
    for key, (who, summary) in rows.items():
        assert who == callers(operations[key]), key
        assert summary == operations[key]["summary"], key


def test_a_drifted_row_is_caught() -> None:
    text = f"{HEADER}\n|---|---|---|---|\n| `GET /api/users/{{id}}` | anyone | Get | |\n"
    assert readme_rows(text) == {("GET", "/api/users/{id}"): ("anyone", "Get")}
    with pytest.raises(AssertionError):
        readme_rows(f"{HEADER}\n|---|---|---|---|\n| `GET /a`, `GET /b` | anyone | x | |\n")
