"""The management commands, through Litestar's CLI, against a real wire server."""

from __future__ import annotations

import asyncio
from typing import Any

from click.testing import CliRunner
from litestar.cli.main import litestar_group
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.config import Settings
from tests.conftest import make_settings
from tests.integration.helpers import Store


async def run(*args: str, stdin: str | None = None, code: int = 0) -> str:
    """Invoke the CLI in a thread: the commands run their own event loop."""

    def invoke() -> str:
        result = CliRunner().invoke(litestar_group, list(args), input=stdin, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return await asyncio.to_thread(invoke)


async def test_service_token_lifecycle(cli_env: Settings, engine: Any) -> None:
    token = (await run("tokens", "create", "billing", "--scope", "users:read")).split()[-1]
    assert len(token) >= 43
    listed = await run("tokens", "list")
    assert "billing\tusers:read\tactive" in listed and token not in listed
    settings = make_settings(engine.url, cli_env.database, service_tokens={})
    async with AsyncTestClient(create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        missing = await client.get(f"/api/users/{'a' * 24}", headers=headers)
        assert missing.status_code == 404  # authenticated, authorized, not found
        write = await client.patch(f"/api/users/{'a' * 24}", json={}, headers=headers)
        assert write.status_code == 403  # no users:write scope
    assert "revoked 1" in (await run("tokens", "revoke", "billing"))
    # Written by $set into an existing document: a number, which every engine
    # keeps as such (a datetime there came back as a string on one engine).
    store = Store(cli_env)
    stored = await store.db.service_tokens.find_one({"name": "billing"})
    await store.close()
    assert stored is not None and isinstance(stored["revoked_at"], float)
    async with AsyncTestClient(create_app(settings)) as client:
        revoked = await client.get(
            f"/api/users/{'a' * 24}", headers={"Authorization": f"Bearer {token}"}
        )
        assert revoked.status_code == 401


async def test_create_admin_asks_for_the_password(cli_env: Settings, engine: Any) -> None:
    output = await run(
        "users",
        "create-admin",
        "--email",
        "Boss@Example.org",
        "--name",
        "Ayşe Yılmaz",
        stdin="a long admin password\na long admin password\n",
    )
    assert "admin created" in output and "a long admin password" not in output
    # An existing user: refused (before any password is asked) unless --promote.
    refused = await run("users", "create-admin", "--email", "boss@example.org", code=1)
    assert "exists already" in refused and "--promote" in refused
    settings = make_settings(engine.url, cli_env.database)
    async with AsyncTestClient(create_app(settings)) as client:
        login = await client.post(
            "/api/auth/login",
            json={"email": "boss@example.org", "password": "a long admin password"},
        )
        assert login.status_code == 200
        assert login.json()["user"]["role"] == "admin"
        assert login.json()["user"]["name"] == "Ayşe Yılmaz"


async def test_create_admin_promotes_an_existing_user_when_asked(
    cli_env: Settings, engine: Any
) -> None:
    store = Store(cli_env)
    await store.db.users.insert_one(
        {
            "_id": "0" * 23 + "1",
            "_creationTime": 1.0,
            "name": "Mehmet Kaya",
            "email": "mehmet@example.org",
            "role": "viewer",
            "permissions": ["reports:read"],
            "isActive": True,
        }
    )
    output = await run("users", "create-admin", "--email", "Mehmet@example.org", "--promote")
    assert "is now an admin" in output
    user = await store.db.users.find_one({"email": "mehmet@example.org"})
    await store.close()
    assert user is not None and user["role"] == "admin"
    assert sorted(user["permissions"]) == ["reports:read", "users:manage"]


async def test_create_admin_refuses_a_bad_email_or_a_weak_password(
    cli_env: Settings, engine: Any
) -> None:
    bad_email = await run("users", "create-admin", "--email", "not-an-email", code=1)
    # Refused before a password is asked for.
    assert "must be a valid email address" in bad_email and "Password" not in bad_email
    weak = await run(
        "users", "create-admin", "--email", "new@example.org", stdin="password\npassword\n", code=1
    )
    assert "too common" in weak
    store = Store(cli_env)
    assert await store.db.users.count_documents({}) == 0
    await store.close()


async def test_reindex_search_rebuilds_the_helpers(
    cli_env: Settings, engine: Any, store: Any
) -> None:
    await store.add_user("old@example.org", name="Gülşen Öztürk", searchTokens=["stale"])
    assert "re-indexed 1" in (await run("db", "reindex-search"))
    stored = await store.db.users.find_one({"email": "old@example.org"})
    assert "stale" not in stored["searchTokens"] and "c:gulsen oz" in stored["searchTokens"]
