"""Each typed row (app/rows.py) names exactly its model's fields: a field added
to a model and not to its row, or the other way round, fails here. A row's
key is required where the model has no default and the repository never
hides it."""

from __future__ import annotations

from typing import Any

import pytest
from beanie import Document

from app import rows
from app.audit.repository import AuditLogsRepository
from app.auth.repository import LoginCountersRepository, SessionsRepository
from app.documents import Repository
from app.idempotency.repository import IdempotencyRepository
from app.security_events.repository import SecurityEventsRepository
from app.service_tokens.repository import ServiceTokensRepository
from app.users.repository import UsersRepository

CASES: list[tuple[type[Repository[Any]], type]] = [
    (UsersRepository, rows.UserRow),
    (SessionsRepository, rows.SessionRow),
    (LoginCountersRepository, rows.LoginCounterRow),
    (SecurityEventsRepository, rows.SecurityEventRow),
    (AuditLogsRepository, rows.AuditLogRow),
    (ServiceTokensRepository, rows.ServiceTokenRow),
    (IdempotencyRepository, rows.IdempotencyRow),
]


def model_fields(model: type[Document]) -> tuple[set[str], set[str]]:
    """(every stored name, the names without a default)."""
    every, required = set(), set()
    for name, field in model.model_fields.items():
        stored = field.alias or name
        if name == "revision_id":  # Beanie's own, never stored by this service
            continue
        every.add(stored)
        if field.is_required():
            required.add(stored)
    return every, required


@pytest.mark.parametrize(("repository", "row"), CASES, ids=lambda case: case.__name__)
def test_a_row_names_its_models_fields(repository: type[Repository[Any]], row: type) -> None:
    every, required = model_fields(repository.model)
    assert set(row.__annotations__) | set(rows.DocumentRow.__annotations__) == every
    expected_required = (required - set(repository.hidden)) | {"_id", "_creationTime"}
    assert row.__required_keys__ == expected_required


def test_every_repository_has_its_row() -> None:
    assert {repository for repository, _ in CASES} == {
        cls for cls in _subclasses(Repository) if "model" in cls.__dict__
    }


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found
