"""Which field a 400 names, read from where the error is raised (never from message text)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
USER = {"name": "Ayşe", "email": "ayse@example.org", "role": "staff"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        # The body itself has the wrong type: the field is the body, not a word of the message.
        ([1, 2], "body", "Expected `object`, got `array`"),
        ("user", "body", "Expected `object`, got `str`"),
        # msgspec reads an unknown key before it misses a required one.
        ({"role": "staff", "zzz": 1}, "zzz", "Object contains unknown field `zzz`"),
        ({"role": "staff"}, "name", "Object missing required field `name`"),
        ({**USER, "labels": ["ok", "not ok"]}, "labels[1]", None),
        ({**USER, "name": "  "}, "name", "name must be 1-200 characters after trimming"),
        ({**USER, "phone": "( )"}, "phone", "phone must contain digits"),
    ],
)
@pytest.mark.parametrize("language", ["en", "tr"])
async def test_validation_errors_name_their_field(
    client: Client,
    admin: dict[str, Any],
    body: Any,
    field: str,
    message: str | None,
    language: str,
) -> None:
    response = await client.post("/api/users", json=body, headers={"Accept-Language": language})
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["code"] == "VALIDATION_ERROR"
    assert answer["error"] == ("İstek geçersiz" if language == "tr" else "The request is not valid")
    assert [detail["field"] for detail in answer["details"]] == [field]
    if message is not None:
        assert answer["details"][0]["message"] == message


async def test_an_unknown_key_of_a_patch_is_named(client: Client, admin: dict[str, Any]) -> None:
    created = await client.post("/api/users", json=USER)
    url = f"/api/users/{created.json()['_id']}"
    response = await client.patch(url, json={"name": "B", "nickname": "x"})
    assert response.status_code == 400
    assert response.json()["details"] == [
        {"field": "nickname", "message": "Object contains unknown field `nickname`"}
    ]
