"""Index drift (``scripts/manage db indexes``, app/documents/indexes.py): the
declared indexes against the database's, on both engines; and a start-up that
meets an index it did not declare that way logs it and serves."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner
from litestar.cli.main import litestar_group
from pymongo import ASCENDING

from app.config import Settings
from app.container import Container
from tests.integration.helpers import Store
from tests.support.processes import (
    free_port,
    service_environment,
    start_service,
    stop_process,
    wait_ready,
)

ROLE_KEYS = {"role": 1, "_creationTime": 1}


async def indexes_command(*args: str, code: int) -> str:
    """``db indexes`` in a thread (it runs its own event loop)."""

    def invoke() -> str:
        result = CliRunner().invoke(
            litestar_group, ["db", "indexes", *args], catch_exceptions=False
        )
        assert result.exit_code == code, result.output
        return result.output

    return await asyncio.to_thread(invoke)


async def bind(settings: Settings) -> None:
    """What the service does at start-up: bind Beanie, make the indexes."""
    database = Container(settings).database
    try:
        await database.initialize()
    finally:
        await database.close()


async def listed(store: Store, collection: str) -> list[dict[str, Any]]:
    return [dict(index) async for index in await store.db[collection].list_indexes()]


async def drop_by_keys(store: Store, collection: str, keys: dict[str, int]) -> None:
    # By the name the engine lists: one engine renames indexes and ignores a
    # drop by the declared name (README, known differences).
    for index in await listed(store, collection):
        if dict(index["key"]) == keys:
            await store.db[collection].drop_index(index["name"])
            return
    raise AssertionError(f"no index on {keys}")


async def test_a_fresh_database_has_every_declared_index(cli_env: Settings, store: Store) -> None:
    await bind(cli_env)
    output = await indexes_command(code=0)
    assert "missing  " not in output and "differs  " not in output
    assert "ok       users.by_email (email) unique=True" in output
    assert "ok       security_events.by_retention (occurred_at) expireAfterSeconds=31536000" in (
        output
    )
    assert "0 missing" in output and "0 differing" in output


async def test_a_dropped_index_is_listed_missing_and_apply_creates_it(
    cli_env: Settings, store: Store
) -> None:
    await bind(cli_env)
    await drop_by_keys(store, "users", ROLE_KEYS)
    output = await indexes_command(code=1)
    assert "missing  users.by_role (role, _creationTime)" in output
    assert "1 missing" in output
    applied = await indexes_command("--apply", code=0)
    assert "created  users.by_role (role, _creationTime)" in applied
    assert any(dict(index["key"]) == ROLE_KEYS for index in await listed(store, "users"))
    again = await indexes_command(code=0)
    assert "0 missing" in again


async def test_a_differing_index_is_reported_and_never_dropped(
    cli_env: Settings, store: Store
) -> None:
    # Built by hand before the service ever ran: by_email without unique, and
    # an index nobody declares.
    await store.db.users.create_index([("email", ASCENDING)], name="by_email")
    await store.db.users.create_index([("name", ASCENDING)], name="by_name_by_hand")
    await bind(cli_env)
    output = await indexes_command("--apply", code=1)
    assert "differs  users.by_email (email) unique=True; in the database:" in output
    assert "[unique]" in output
    assert "extra    users." in output and "(name)" in output
    indexes = await listed(store, "users")
    email = [index for index in indexes if dict(index["key"]) == {"email": 1}]
    assert len(email) == 1 and not email[0].get("unique")
    assert any(dict(index["key"]) == {"name": 1} for index in indexes)


async def test_start_up_with_a_conflicting_index_logs_it_and_serves(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    # Before: the conflict failed Beanie's one createIndexes command, and the
    # start-up retried it for ever (/ready 503, never ready) on the engine that
    # refuses conflicts as MongoDB does.
    await store.db.users.create_index([("email", ASCENDING)], name="by_email")
    log = tmp_path / "service.log"
    assert settings.mongodb_url is not None
    port = free_port()
    environment = service_environment(
        settings.mongodb_url, settings.database, port, APP_LEGACY_BCRYPT_COST="4"
    )
    process = start_service(environment, log_file=log)
    try:
        # Generous: start-up on a loaded 2-core machine.
        wait_ready(port, process, timeout=120, log_file=log)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            assert (await http.get("/ready")).status_code == 200
            assert (await http.get("/api/auth/me")).status_code == 401
    finally:
        stop_process(process)
    text = log.read_text()
    assert "index drift: users.by_email (email) unique=True" in text
    assert "differs (unique)" in text
    # Every other declared index was still made.
    keys = [dict(index["key"]) for index in await listed(store, "users")]
    assert ROLE_KEYS in keys and {"searchTokens": 1} in keys
