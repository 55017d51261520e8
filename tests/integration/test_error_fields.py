"""Which field a 400 names, read from where the error is raised (never from message text)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
USER = {"name": "Ayşe", "email": "ayse@example.org", "role": "staff"}


@pytest.mark.parametrize(
    ("body", "field", "reason", "english", "turkish"),
    [
        # The body itself has the wrong type: the field is the body, not a word of the message.
        ([1, 2], "body", "not_object", "must be a JSON object", "bir JSON nesnesi olmalı"),
        ("user", "body", "not_object", "must be a JSON object", "bir JSON nesnesi olmalı"),
        ({**USER, "zzz": 1}, "zzz", "unknown_field", "is not a known field", "bilinmeyen bir alan"),
        (
            {"email": "a@example.org", "role": "staff"},
            "name",
            "required",
            "is required",
            "zorunludur",
        ),
        (
            {**USER, "labels": ["ok", "not ok"]},
            "labels[1]",
            "pattern",
            "must match the pattern ^[\\w-]{1,36}$",
            "^[\\w-]{1,36}$ kalıbına uymalı",
        ),
        (
            {**USER, "name": "  "},
            "name",
            "name_length",
            "must be 1-200 characters after trimming",
            "baştaki ve sondaki boşluklar atıldıktan sonra 1-200 karakter olmalı",
        ),
        (
            {**USER, "phone": "( )"},
            "phone",
            "phone_digits",
            "must contain digits",
            "rakam içermeli",
        ),
    ],
)
@pytest.mark.parametrize("language", ["en", "tr"])
async def test_validation_errors_name_their_field(
    client: Client,
    admin: dict[str, Any],
    body: Any,
    field: str,
    reason: str,
    english: str,
    turkish: str,
    language: str,
) -> None:
    response = await client.post("/api/users", json=body, headers={"Accept-Language": language})
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["code"] == "VALIDATION_ERROR"
    assert answer["error"] == ("İstek geçersiz" if language == "tr" else "The request is not valid")
    message = turkish if language == "tr" else english
    assert answer["details"] == [{"field": field, "reason": reason, "message": message}]


async def test_an_unknown_key_of_a_patch_is_named(client: Client, admin: dict[str, Any]) -> None:
    created = await client.post("/api/users", json=USER)
    url = f"/api/users/{created.json()['_id']}"
    response = await client.patch(url, json={"name": "B", "nickname": "x"})
    assert response.status_code == 400
    assert response.json()["details"] == [
        {"field": "nickname", "reason": "unknown_field", "message": "is not a known field"}
    ]
