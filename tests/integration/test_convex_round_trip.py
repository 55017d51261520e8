"""Imported bcrypt passwords at the first login, and ``db export-convex``:
import → export → import gives the same documents, on both engines."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from pymongo import AsyncMongoClient

from app.asgi import create_app
from app.config import Settings, get_settings
from app.users.emails import normalize_email
from tests.integration.convex import FORGIVING, cli, collections, import_convex, small_data
from tests.integration.helpers import Store
from tests.support.convex_export import write_export
from tests.support.panel_data import SECRETS, bcrypt_hash, panel_data


@pytest.fixture(scope="module", params=["uniform", "inferred"])
def export(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    data = panel_data(120, seed=11)
    path = tmp_path_factory.mktemp("export") / "snapshot.zip"
    yield write_export(data, path, era=request.param, malformed_line=2)


async def test_imported_bcrypt_passwords_sign_in_once_and_become_argon2id(
    cli_env: Settings, store: Store, tmp_path: Path
) -> None:
    # Every kind of legacy hash on an active account: $2b$ cost 10 (the panel's
    # seed), $2b$ cost 12 (its routes), $2a$ and $2y$.
    data = small_data()
    chosen = data.tables["users"][4:8]
    for user, secret in zip(chosen, SECRETS, strict=True):
        user.update(isActive=True, passwordHash=bcrypt_hash(secret))
        data.secrets[user["email"]] = secret
    code, output = await import_convex(write_export(data, tmp_path / "e.zip"), *FORGIVING)
    assert code == 0, output
    async with AsyncTestClient(create_app(cli_env)) as client:
        for user in chosen:
            secret = data.secrets[user["email"]]
            stored = await store.user(user["_id"])
            assert stored is not None
            assert stored["passwordHash"].startswith(f"${secret.prefix}${secret.cost}$")
            credentials = {"email": normalize_email(user["email"]), "password": secret.password}
            wrong = await client.post("/api/auth/login", json={**credentials, "password": "x" * 9})
            assert wrong.status_code == 401
            login = await client.post("/api/auth/login", json=credentials)
            assert login.status_code == 200, login.text
            assert login.json()["user"]["_id"] == user["_id"]
            upgraded = await store.user(user["_id"])
            assert upgraded is not None and upgraded["passwordHash"].startswith("$argon2id$")
            again = await client.post("/api/auth/login", json=credentials)
            assert again.status_code == 200


async def test_export_then_import_into_an_empty_database_gives_the_same_documents(
    cli_env: Settings,
    store: Store,
    export: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, output = await import_convex(export, *FORGIVING)
    assert code == 0, output
    first = await collections(store)
    # Every table of the export is remembered; the four come back out with theirs.
    remembered = await store.db.convex_tables.find({}).sort("_id", 1).to_list()
    numbers = [doc for doc in remembered if doc["_id"] != "beneficiaries"]
    assert len(numbers) == 4

    out = tmp_path / "backup" / "panel.zip"
    out.parent.mkdir()
    previous_umask = os.umask(0)  # even so, never readable by others
    try:
        code, output = await cli("db", "export-convex", str(out))
    finally:
        os.umask(previous_umask)
    assert code == 0, output
    assert "password hashes" in output and "mode 0600" in output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert os.listdir(out.parent) == ["panel.zip"]  # no temporary file left
    code, output = await cli("db", "export-convex", str(out))
    assert code == 1 and "exists" in output

    with zipfile.ZipFile(out) as archive:
        tables = [json.loads(line) for line in archive.read("_tables/documents.jsonl").splitlines()]
        assert [list(entry) for entry in tables] == [["name", "id"]] * 4
        assert {e["name"]: e["id"] for e in tables} == {d["_id"]: d["number"] for d in numbers}
        assert archive.read("users/generated_schema.jsonl") == b'"uniform"\n'
        user = json.loads(archive.read("users/documents.jsonl").splitlines()[0])
        assert list(user) == sorted(user) and "passwordHash" in user
        assert "searchTokens" not in user
        session = json.loads(archive.read("user_sessions/documents.jsonl").splitlines()[0])
        assert "token_hash" not in session and session["created_at"].endswith("Z")
        log = json.loads(archive.read("audit_logs/documents.jsonl").splitlines()[0])
        assert {"userId", "userName", "resourceId", "timestamp"} <= set(log)

    other = f"{cli_env.database}_again"
    monkeypatch.setenv("APP_DATABASE", other)
    get_settings.cache_clear()
    assert cli_env.mongodb_url is not None
    raw: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(cli_env.mongodb_url, tz_aware=True)
    try:
        code, output = await import_convex(out, "--unknown-fields", "keep")
        assert code == 0, output
        again = Store(cli_env.model_copy(update={"database": other}))
        try:
            assert await collections(again) == first
            assert await again.db.convex_tables.find({}).sort("_id", 1).to_list() == numbers
        finally:
            await again.close()
    finally:
        await raw.drop_database(other)
        await raw.close()
