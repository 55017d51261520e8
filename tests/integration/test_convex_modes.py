"""``db import-convex`` modes, conflicts and unknown fields, on both engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

import app.convex_io.importer
from app.asgi import create_app
from app.config import Settings
from app.users.emails import normalize_email
from tests.integration.convex import (
    FORGIVING,
    collections,
    counts,
    import_convex,
    read_report,
    small_data,
)
from tests.integration.helpers import DEFAULT_PASSWORD, Store
from tests.support.convex_export import write_export
from tests.support.panel_data import PanelData


@pytest.fixture(scope="module")
def small() -> PanelData:
    return small_data()


@pytest.fixture(scope="module")
def small_export(small: PanelData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The unpacked folder form of an export."""
    return write_export(small, tmp_path_factory.mktemp("small"), as_zip=False)


def expected_counts(data: PanelData, users_left_out: int) -> dict[str, int]:
    return {
        "users": len(data.tables["users"]) - users_left_out,
        "sessions": len(data.tables["user_sessions"]),
        "security_events": len(data.tables["security_events"]),
        "audit_logs": len(data.tables["audit_logs"]),
    }


async def test_modes_require_empty_upsert_append_replace(
    cli_env: Settings, store: Store, small: PanelData, small_export: Path, tmp_path: Path
) -> None:
    code, output = await import_convex(small_export, *FORGIVING)
    assert code == 0, output
    before = await collections(store)
    assert await counts(store) == expected_counts(small, users_left_out=1)

    code, output = await import_convex(small_export, *FORGIVING)
    assert code == 1 and "users is not empty" in output
    assert await collections(store) == before

    # upsert twice: idempotent, the same documents every time
    for _ in range(2):
        report_path = tmp_path / "upsert.json"
        code, output = await import_convex(
            small_export, *FORGIVING, "--mode", "upsert", report=report_path
        )
        assert code == 0, output
        assert await collections(store) == before
        assert read_report(report_path)["total"]["imported"] == sum(
            expected_counts(small, 1).values()
        )

    # upsert puts back what was changed since (a document holding bytes too)
    with_bytes = next(log for log in small.tables["audit_logs"] if "metadata" in log)
    await store.db.audit_logs.update_one({"_id": with_bytes["_id"]}, {"$set": {"user_name": "x"}})
    await store.db.users.update_one({"_id": before["users"][0]["_id"]}, {"$set": {"role": "x"}})
    code, output = await import_convex(small_export, *FORGIVING, "--mode", "upsert")
    assert code == 0, output
    assert await collections(store) == before

    # append: every _id is stored already
    code, output = await import_convex(small_export, "--unknown-fields", "keep", "--mode", "append")
    assert code == 1 and "conflict(s)" in output and "(refused)" in output
    report_path = tmp_path / "append.json"
    code, output = await import_convex(
        small_export,
        "--unknown-fields",
        "keep",
        "--on-conflict",
        "skip",
        "--mode",
        "append",
        report=report_path,
    )
    assert code == 0, output
    report = read_report(report_path)
    assert report["total"]["imported"] == 0
    assert {c["resolution"] for c in report["conflicts"]} == {"skipped (exists)", "skipped both"}
    assert await collections(store) == before

    # replace: what is not in the export is gone
    await store.add_user("extra@example.org")
    code, output = await import_convex(small_export, *FORGIVING, "--mode", "replace")
    assert code == 0, output
    assert await collections(store) == before


async def test_duplicate_emails_skip_both_or_keep_the_first(
    cli_env: Settings, store: Store, small: PanelData, small_export: Path, tmp_path: Path
) -> None:
    assert small.duplicate is not None
    first, later = small.duplicate
    report_path = tmp_path / "skip.json"
    code, output = await import_convex(
        small_export, "--unknown-fields", "keep", "--on-conflict", "skip", report=report_path
    )
    assert code == 0, output
    assert await store.user(first) is None and await store.user(later) is None
    conflict = read_report(report_path)["conflicts"][0]
    assert (conflict["first_id"], conflict["other_id"]) == (first, later)
    assert conflict["resolution"] == "skipped both"

    code, output = await import_convex(small_export, *FORGIVING, "--mode", "replace")
    assert code == 0, output
    assert await store.user(first) is not None and await store.user(later) is None


async def test_an_email_already_stored_is_a_conflict_naming_both_ids(
    cli_env: Settings, store: Store, small: PanelData, small_export: Path, tmp_path: Path
) -> None:
    panel_user = small.tables["users"][5]
    stored = await store.add_user(normalize_email(panel_user["email"]))
    report_path = tmp_path / "report.json"
    code, output = await import_convex(small_export, *FORGIVING, "--mode", "append")
    assert code == 0, output
    assert f"{stored['_id']} and {panel_user['_id']} (skipped (exists))" in output
    assert await store.user(panel_user["_id"]) is None
    code, output = await import_convex(
        small_export, "--mode", "upsert", "--unknown-fields", "keep", report=report_path
    )
    assert code == 1  # the default is to fail on conflicts
    assert any(c["other_id"] == panel_user["_id"] for c in read_report(report_path)["conflicts"])


async def test_the_unique_index_decides_what_the_checks_missed(
    cli_env: Settings,
    store: Store,
    small: PanelData,
    small_export: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A user stored after the first pass looked (a race): the index refuses
    the imported one, and the report names both."""

    async def nothing_stored(*args: Any) -> tuple[list[Any], set[str]]:
        return [], set()

    monkeypatch.setattr(app.convex_io.importer, "stored_email_conflicts", nothing_stored)
    panel_user = small.tables["users"][6]
    stored = await store.add_user(normalize_email(panel_user["email"]))
    report_path = tmp_path / "report.json"
    code, output = await import_convex(
        small_export, *FORGIVING, "--mode", "append", report=report_path
    )
    assert code == 0, output
    conflicts = [c for c in read_report(report_path)["conflicts"] if c["field"] == "email"]
    assert {
        (c["first_id"], c["other_id"], c["resolution"])
        for c in conflicts
        if c["other_id"] == panel_user["_id"]
    } == {(stored["_id"], panel_user["_id"], "refused by the index")}
    assert await store.user(panel_user["_id"]) is None

    # With no check at all, the index alone keeps every address once.
    monkeypatch.setattr(app.convex_io.importer, "email_conflicts", lambda *args: ([], set()))
    code, output = await import_convex(
        small_export, "--unknown-fields", "keep", "--mode", "upsert", report=report_path
    )
    assert code == 1 and "not written" in output
    refused = {c["other_id"] for c in read_report(report_path)["conflicts"]}
    assert small.duplicate is not None
    assert panel_user["_id"] in refused and set(small.duplicate) & refused
    emails = [user["email"] for user in await store.db.users.find({}).to_list()]
    assert len(emails) == len(set(emails))


async def test_kept_fields_are_returned_by_reads_and_dropped_ones_are_not_stored(
    cli_env: Settings, store: Store, small: PanelData, small_export: Path, tmp_path: Path
) -> None:
    code, output = await import_convex(small_export, *FORGIVING)
    assert code == 0, output
    with_profile = next(u for u in small.tables["users"] if "birth_date" in u)
    admin = await store.add_user("admin@example.org", role="admin", permissions=["users:manage"])
    async with AsyncTestClient(create_app(cli_env)) as client:
        login = await client.post(
            "/api/auth/login", json={"email": admin["email"], "password": DEFAULT_PASSWORD}
        )
        assert login.status_code == 200
        user = (await client.get(f"/api/users/{with_profile['_id']}")).json()
        assert user["birth_date"] == with_profile["birth_date"]
        assert user["emergency_contacts"] == with_profile["emergency_contacts"]
        assert "passwordHash" not in user and "searchTokens" not in user
        listed = (await client.get("/api/users", params={"limit": 100})).json()["documents"]
        assert any(u.get("birth_date") == "1990-05-17" for u in listed)
        logs = (await client.get("/api/audit-logs", params={"limit": 100})).json()["documents"]
        imported = [
            log for log in logs if log["_id"] in {a["_id"] for a in small.tables["audit_logs"]}
        ]
        assert imported and all("user_name" in log and "ip_address" in log for log in imported)
        assert any(log["action"] == "VIEW" for log in imported)
        tagged = {log["_id"]: log["requestId"] for log in small.tables["audit_logs"][::10]}
        assert {log["_id"]: log.get("requestId") for log in imported if log["_id"] in tagged} == (
            tagged
        )
        events = (await client.get("/api/security-events", params={"limit": 100})).json()
        imported_events = {e["_id"] for e in small.tables["security_events"]}
        # Events the service writes now (the login above) share the table's IDs.
        assert all("reviewed" in e for e in events["documents"] if e["_id"] in imported_events)
        assert any(e["_id"] in imported_events for e in events["documents"])

    report_path = tmp_path / "drop.json"
    code, output = await import_convex(
        small_export,
        "--unknown-fields",
        "drop",
        "--on-conflict",
        "keep-first",
        "--mode",
        "replace",
        report=report_path,
    )
    assert code == 0, output
    assert "unknown field users.birth_date: 1 document(s) (drop)" in output
    stored = await store.user(with_profile["_id"])
    assert stored is not None and "birth_date" not in stored and "emergency_contacts" not in stored
    users = next(t for t in read_report(report_path)["tables"] if t["table"] == "users")
    assert users["unknown_fields"] == {"birth_date": 1, "emergency_contacts": 1}
