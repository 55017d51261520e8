"""One password policy on every path that sets a password (NEWCOMER F7, F8):
create, admin reset, own change, bootstrap admin, `users create-admin`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.cli.main import litestar_group
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.config import Settings
from tests.conftest import make_settings
from tests.integration.helpers import Store

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"

# (password, what the refusal says); each is refused on every path.
WEAK = [
    ("x", "at least 8"),
    ("seven77", "at least 8"),
    ("        ", "only whitespace"),
    ("password1", "too common"),
    ("Qwertyuiop", "too common"),
    ("ü" * 600, "at most 1024 bytes"),  # 600 characters, 1,200 bytes
]
GOOD = "a sound new passphrase"


def assert_refused(response: Any, field: str, reason: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert body["details"][0]["field"] == field
    assert reason in body["details"][0]["message"] or "length" in body["details"][0]["message"]


@pytest.mark.parametrize(("weak", "reason"), WEAK)
async def test_create_and_admin_reset(
    client: Client, admin: dict[str, Any], store: Store, weak: str, reason: str
) -> None:
    body = {"name": "Ayşe", "email": "ayse@example.org", "role": "staff"}
    assert_refused(
        await client.post("/api/users", json={**body, "password": weak}), "password", reason
    )
    assert await store.db.users.count_documents({"email": "ayse@example.org"}) == 0
    created = await client.post("/api/users", json={**body, "password": GOOD})
    assert created.status_code == 201
    user_id = created.json()["_id"]
    reset = await client.put(f"/api/users/{user_id}/password", json={"password": weak})
    assert_refused(reset, "password", reason)
    assert (
        await client.put(f"/api/users/{user_id}/password", json={"password": GOOD + "!"})
    ).status_code == 200


@pytest.mark.parametrize(("weak", "reason"), WEAK)
async def test_own_change(client: Client, store: Store, weak: str, reason: str) -> None:
    await store.add_user("self@example.org")
    login = await client.post(
        "/api/auth/login", json={"email": "self@example.org", "password": PASSWORD}
    )
    assert login.status_code == 200
    change = await client.post(
        "/api/auth/password", json={"currentPassword": PASSWORD, "newPassword": weak}
    )
    assert_refused(change, "newPassword", reason)
    client.cookies.clear()
    # The old password still works; the weak one was never set.
    assert (
        await client.post("/api/auth/login", json={"email": "self@example.org", "password": weak})
    ).status_code in (400, 401)
    assert (
        await client.post(
            "/api/auth/login", json={"email": "self@example.org", "password": PASSWORD}
        )
    ).status_code == 200


async def test_an_old_weak_password_still_signs_in(client: Client, store: Store) -> None:
    """The policy governs new passwords; login does not apply it."""
    await store.add_user("legacy@example.org", password="password1")
    login = await client.post(
        "/api/auth/login", json={"email": "legacy@example.org", "password": "password1"}
    )
    assert login.status_code == 200


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_bootstrap_admin_follows_the_policy(engine: Any, database_name: str) -> None:
    """A weak password or a bad address: no admin, and an error that names the rule
    (never the password)."""
    settings = make_settings(
        engine.url,
        database_name,
        bootstrap_admin_email="root@example.org",
        bootstrap_admin_password="weak-pw",
    )
    bad_email = settings.model_copy(
        update={"bootstrap_admin_email": "root", "bootstrap_admin_password": GOOD}
    )
    store = Store(settings)
    lines = Lines()
    logging.getLogger("app").addHandler(lines)
    try:
        for app_settings in (settings, bad_email):
            async with AsyncTestClient(create_app(app_settings)) as client:
                assert (await client.get("/ready")).status_code == 200
        assert await store.db.users.count_documents({}) == 0
        assert [line for line in lines.lines if "bootstrap" in line] == [
            "bootstrap admin not created: password: must be at least 8 characters",
            "bootstrap admin not created: email must be a valid email address: "
            "An email address must have an @-sign.",
        ]
    finally:
        logging.getLogger("app").removeHandler(lines)
        await store.client.drop_database(database_name)
        await store.close()


async def invoke(*args: str, stdin: str) -> tuple[int, str]:
    def run() -> tuple[int, str]:
        result = CliRunner().invoke(litestar_group, list(args), input=stdin)
        return result.exit_code, result.output

    return await asyncio.to_thread(run)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("tiny@example.org", "a", "password: must be at least 8"),
        ("spaces@example.org", "        ", "password: must not be only whitespace"),
        ("common@example.org", "iloveyou", "password: is too common"),
        ("not-an-email", GOOD, "email must be a valid email address"),
        ("\u0430dmin@example.org", GOOD, "must not mix Latin with Cyrillic"),
    ],
)
async def test_cli_create_admin_follows_the_policy(
    cli_env: Settings, store: Store, email: str, password: str, message: str
) -> None:
    code, output = await invoke(
        "users", "create-admin", "--email", email, stdin=f"{password}\n{password}\n"
    )
    assert code == 1 and message in output, output
    assert await store.db.users.count_documents({}) == 0
