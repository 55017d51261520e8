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


async def run(*args: str, stdin: str | None = None) -> str:
    """Invoke the CLI in a thread: the commands run their own event loop."""

    def invoke() -> str:
        result = CliRunner().invoke(litestar_group, list(args), input=stdin, catch_exceptions=False)
        assert result.exit_code == 0, result.output
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
        stdin="a long admin password\na long admin password\n",
    )
    assert "admin created" in output and "a long admin password" not in output
    assert "exists already" in await run(
        "users",
        "create-admin",
        "--email",
        "boss@example.org",
        stdin="another password!\nanother password!\n",
    )
    settings = make_settings(engine.url, cli_env.database)
    async with AsyncTestClient(create_app(settings)) as client:
        login = await client.post(
            "/api/auth/login",
            json={"email": "boss@example.org", "password": "a long admin password"},
        )
        assert login.status_code == 200
        assert login.json()["data"]["user"]["role"] == "admin"


async def test_reindex_search_rebuilds_the_helpers(
    cli_env: Settings, engine: Any, store: Any
) -> None:
    await store.add_user("old@example.org", name="Gülşen Öztürk", searchTokens=["stale"])
    assert "re-indexed 1" in (await run("db", "reindex-search"))
    stored = await store.db.users.find_one({"email": "old@example.org"})
    assert "stale" not in stored["searchTokens"] and "c:gulsen oz" in stored["searchTokens"]
