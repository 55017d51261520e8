"""PROBE D7: every spelling of an existing address is refused or lands on that
account, at create, at login and at the by-email lookup; NUL never reaches the
engine (which compares indexed strings only up to a NUL)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import SERVICE_TOKEN
from tests.integration.helpers import Store

Client = AsyncTestClient[Litestar]
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
PASSWORDS = {
    "admin@example.org": "admin pass phrase",
    "josé@example.org": "josé pass phrase",
    "kate@example.org": "kate pass phrase",
    "file@example.org": "file pass phrase",
}

# PROBE-2026-11 section 2, row by row: (variant, the account it is, or None = refused).
VARIANTS = [
    ("ADMIN@EXAMPLE.ORG", "admin@example.org"),
    (" Admin@Example.Org ", "admin@example.org"),
    ("ADMİN@EXAMPLE.ORG", "admin@example.org"),
    ("admın@example.org", "admin@example.org"),
    ("ＡＤＭＩＮ@example.org", "admin@example.org"),
    ("ａdmin@example.org", "admin@example.org"),
    ("admin@ｅxample.org", "admin@example.org"),
    ("admin@example.org\u200b", None),
    ("ad\u00admin@example.org", None),
    ("\u0430dmin@example.org", None),
    ("jose\u0301@example.org", "josé@example.org"),
    ("ﬁle@example.org", "file@example.org"),
    ("\u212aATE@example.org", "kate@example.org"),
    ("admin@example.org\u0000", None),
]


@pytest.fixture
async def accounts(client: Client, store: Store) -> dict[str, str]:
    """The probe's four accounts, created through the API; email -> _id."""
    await store.add_user("root@example.org", role="admin", permissions=["users:manage"])
    login = await client.post(
        "/api/auth/login", json={"email": "root@example.org", "password": "correct horse battery"}
    )
    assert login.status_code == 200
    ids = {}
    for email, password in PASSWORDS.items():
        created = await client.post(
            "/api/users",
            json={"name": "n", "email": email, "role": "staff", "password": password},
        )
        assert created.status_code == 201, created.text
        assert created.json()["email"] == email
        ids[email] = created.json()["_id"]
    return ids


def assert_refused(response: Any) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["success"] is False and body["code"] == "VALIDATION_ERROR"
    assert body["details"][0]["field"] == "email"


@pytest.mark.parametrize(("variant", "account"), VARIANTS)
async def test_variant_is_refused_or_is_the_same_account(
    client: Client, accounts: dict[str, str], variant: str, account: str | None
) -> None:
    created = await client.post(
        "/api/users", json={"name": "Twin", "email": variant, "role": "staff"}
    )
    found = await client.get("/api/users/by-email", params={"email": variant}, headers=SERVICE)
    listed = await client.get("/api/users", params={"email": variant})
    client.cookies.clear()
    password = PASSWORDS[account] if account else "admin pass phrase"
    login = await client.post("/api/auth/login", json={"email": variant, "password": password})
    if account is None:
        for response in (created, found, listed, login):
            assert_refused(response)
        return
    assert created.status_code == 409 and created.json()["code"] == "EMAIL_TAKEN"
    assert found.status_code == 200 and found.json()["_id"] == accounts[account]
    assert [user["_id"] for user in listed.json()["documents"]] == [accounts[account]]
    assert login.status_code == 200, login.text
    assert login.json()["user"]["_id"] == accounts[account]


async def test_a_nul_does_not_answer_for_another_address(
    client: Client, accounts: dict[str, str], store: Store
) -> None:
    """PROBE D7's reproduction: `qq@example.org\\u0000` used to be stored, and the
    by-email lookup of `qq@example.org` then returned it."""
    nul = await client.post(
        "/api/users", json={"name": "n", "email": "qq@example.org\u0000", "role": "staff"}
    )
    assert nul.status_code == 400
    absent = await client.get(
        "/api/users/by-email", params={"email": "qq@example.org"}, headers=SERVICE
    )
    assert absent.status_code == 404
    inside = await client.post(
        "/api/users", json={"name": "n", "email": "zz\u0000x@example.org", "role": "staff"}
    )
    assert inside.status_code == 400
    assert await store.db.users.count_documents({}) == 1 + len(PASSWORDS)


async def test_patch_and_internal_verify_use_the_same_rule(
    client: Client, accounts: dict[str, str]
) -> None:
    kate = accounts["kate@example.org"]
    taken = await client.patch(f"/api/users/{kate}", json={"email": "ＡＤＭＩＮ@example.org"})
    assert taken.status_code == 409
    homoglyph = await client.patch(f"/api/users/{kate}", json={"email": "k\u0430te@example.org"})
    assert_refused(homoglyph)
    renamed = await client.patch(f"/api/users/{kate}", json={"email": "KATE.Bell@Example.org"})
    assert renamed.status_code == 200 and renamed.json()["email"] == "kate.bell@example.org"
    verified = await client.post(
        "/api/internal/auth/verify",
        json={"email": "\u212aATE.BELL@example.org", "password": "kate pass phrase"},
        headers=SERVICE,
    )
    assert verified.status_code == 200 and verified.json()["_id"] == kate
    refused = await client.post(
        "/api/internal/auth/verify",
        json={"email": "kate.bell@example.org\u200b", "password": "kate pass phrase"},
        headers=SERVICE,
    )
    assert_refused(refused)
