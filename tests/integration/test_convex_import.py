"""``db import-convex``: what comes over from a Convex export of the panel, in
both export eras, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.clock import datetime_of_ms, parse_js_iso
from app.config import Settings
from app.convex_io.tables import IMPORTED_TOKEN_PREFIX
from app.users.emails import normalize_email
from app.users.search import search_tokens
from tests.integration.convex import (
    FORGIVING,
    MALFORMED_AT,
    collections,
    counts,
    import_convex,
    read_report,
)
from tests.integration.helpers import Store
from tests.support.convex_export import write_export
from tests.support.panel_data import PanelData, panel_data

FOUR = ("users", "user_sessions", "security_events", "audit_logs")


@pytest.fixture(scope="module")
def big() -> PanelData:
    return panel_data(240)


@pytest.fixture(scope="module", params=["uniform", "inferred"])
def big_export(
    request: pytest.FixtureRequest, big: PanelData, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Hundreds of users, either era, as a ZIP, with a malformed line."""
    path = tmp_path_factory.mktemp("export") / f"snapshot_{request.param}.zip"
    return write_export(big, path, era=request.param, malformed_line=MALFORMED_AT)


async def test_by_default_every_problem_is_listed_and_nothing_is_written(
    cli_env: Settings, store: Store, big: PanelData, big_export: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    code, output = await import_convex(big_export, report=report_path)
    assert code == 1
    assert await counts(store) == dict.fromkeys(
        ("users", "sessions", "security_events", "audit_logs"), 0
    )
    assert big.duplicate is not None
    first, later = big.duplicate
    # Unknown fields per field with counts; the bad line with table, number, reason;
    # the duplicate email with both IDs; the table the service does not own.
    assert "unknown field users.birth_date: 6 document(s) (refuse)" in output
    assert "users.emergency_contacts (6)" in output
    assert f"security_events/documents.jsonl line {MALFORMED_AT}: not JSON" in output
    assert f"'zeynep.yilmaz@dernek.org': {first} and {later} (refused)" in output
    assert "beneficiaries" in output and "(not imported)" in output
    report = read_report(report_path)
    assert report["ok"] is False and len(report["refused"]) == 3
    assert report["problems"] == [
        {
            "table": "security_events",
            "line": MALFORMED_AT,
            "id": None,
            "reason": report["problems"][0]["reason"],
        }
    ]
    assert report["conflicts"][0]["first_id"] == first
    assert report["conflicts"][0]["other_id"] == later
    beneficiaries = next(t for t in report["tables"] if t["table"] == "beneficiaries")
    assert beneficiaries["read"] == beneficiaries["skipped"] == len(big.tables["beneficiaries"])
    assert await store.db.convex_tables.count_documents({}) == 0


async def test_a_dry_run_reports_what_would_happen_and_writes_nothing(
    cli_env: Settings, store: Store, big: PanelData, big_export: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    code, output = await import_convex(big_export, *FORGIVING, "--dry-run", report=report_path)
    assert code == 0, output
    assert "dry run: nothing written" in output and "would import" in output
    report = read_report(report_path)
    would = {t["table"]: t["imported"] for t in report["tables"]}
    assert would["users"] == len(big.tables["users"]) - 1  # the later duplicate
    for table in FOUR[1:]:
        assert would[table] == len(big.tables[table])
    assert sum((await counts(store)).values()) == 0
    assert await store.db.convex_tables.count_documents({}) == 0


async def test_documents_keep_their_ids_creation_times_and_value_types(
    cli_env: Settings, store: Store, big: PanelData, big_export: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    code, output = await import_convex(big_export, *FORGIVING, report=report_path)
    assert code == 0, output
    stored = await collections(store)
    assert big.duplicate is not None
    panel_users = [u for u in big.tables["users"] if u["_id"] != big.duplicate[1]]
    users = {user["_id"]: user for user in stored["users"]}
    assert set(users) == {user["_id"] for user in panel_users}
    for panel in panel_users:
        user = users[panel["_id"]]
        assert user["_creationTime"] == panel["_creationTime"]  # exactly
        assert user["email"] == normalize_email(panel["email"])
        assert user["searchTokens"] == search_tokens(panel["name"])
        for field in ("name", "role", "isActive", "passwordHash", "createdAt", "birth_date"):
            assert user.get(field) == panel.get(field)
        assert user["permissions"] == panel.get("permissions", [])
        assert user.get("emergency_contacts") == panel.get("emergency_contacts")

    sessions = {session["_id"]: session for session in stored["sessions"]}
    assert len(sessions) == len(big.tables["user_sessions"])
    for panel in big.tables["user_sessions"]:
        session = sessions[panel["_id"]]
        assert session["_creationTime"] == panel["_creationTime"]
        assert session["is_active"] is False  # no token came over
        assert session["token_hash"] == IMPORTED_TOKEN_PREFIX + panel["_id"]
        assert session["last_activity"] == parse_js_iso(panel["last_activity"])
        assert session["created_at"] == parse_js_iso(panel["created_at"])
        assert session.get("revocation_reason") == panel.get("revocation_reason")
        assert session["device_info"] == panel["device_info"]
        history_until = datetime_of_ms(parse_js_iso(panel["last_activity"])) + timedelta(days=365)
        assert session["purge_at"] == history_until > datetime.now(UTC)

    events = {event["_id"]: event for event in stored["security_events"]}
    assert len(events) == len(big.tables["security_events"])
    for panel in big.tables["security_events"]:
        event = events[panel["_id"]]
        assert event["occurred_at"] == datetime_of_ms(parse_js_iso(panel["occurred_at"]))
        assert event["reviewed"] is panel["reviewed"]
        if "details" in panel:
            details = event["details"]
            assert details == panel["details"]
            assert type(details["attempts"]) is int and type(details["ratio"]) is float

    logs = {log["_id"]: log for log in stored["audit_logs"]}
    assert len(logs) == len(big.tables["audit_logs"])
    assert {log["action"] for log in logs.values()} >= {"VIEW"}
    for panel in big.tables["audit_logs"]:
        log = logs[panel["_id"]]
        assert (log["user_id"], log["user_name"], log["resource_id"]) == (
            panel["userId"],
            panel["userName"],
            panel["resourceId"],
        )
        assert (log["ip_address"], log["user_agent"]) == (panel["ipAddress"], panel["userAgent"])
        assert log["timestamp"] == datetime_of_ms(parse_js_iso(panel["timestamp"]))
        if "metadata" in panel:
            metadata = log["metadata"]
            assert metadata == panel["metadata"] and metadata["raw"] == b"\x00\x01"
            assert type(metadata["count"]) is int and type(metadata["ratio"]) is float
            assert type(metadata["tags"][1]) is int

    remembered = await store.db.convex_tables.find({}).sort("_id", 1).to_list()
    # The service's four tables are remembered (new IDs carry them); others are not its own.
    service_tables = {"users", "user_sessions", "security_events", "audit_logs"}
    expected = {name: number for name, number in big.numbers.items() if name in service_tables}
    assert {doc["_id"]: doc["number"] for doc in remembered} == expected
    report = read_report(report_path)
    imported = {t["table"]: t["imported"] for t in report["tables"]}
    assert imported == {
        "users": len(stored["users"]),
        "user_sessions": len(stored["sessions"]),
        "security_events": len(stored["security_events"]),
        "audit_logs": len(stored["audit_logs"]),
        "beneficiaries": 0,
    }
    era = "uniform" if "uniform" in big_export.name else "inferred"
    assert {t["era"] for t in report["tables"] if t["table"] in FOUR} == {era}
    assert report["total"]["documents_per_second"] > 0
    assert "documents/s" in output and "writing audit_logs" in output  # summary, progress


async def test_an_id_of_another_table_is_a_bad_line_and_other_numbers_are_refused(
    cli_env: Settings, store: Store, tmp_path: Path
) -> None:
    data = panel_data(12, duplicate_email=False, unknown_fields=False)
    # A user whose _id is an ID of the sessions table: not a users ID.
    data.tables["users"][1]["_id"] = data.tables["user_sessions"][0]["_id"]
    export = write_export(data, tmp_path / "mixed.zip")
    code, output = await import_convex(export, report=tmp_path / "mixed.json")
    assert code == 1 and "_id is an ID of table number" in output
    assert sum((await counts(store)).values()) == 0

    # A database that remembers other numbers holds another deployment's documents.
    await store.db.convex_tables.insert_one({"_id": "users", "number": 10999})
    clean = panel_data(12, seed=2, duplicate_email=False, unknown_fields=False)
    code, output = await import_convex(write_export(clean, tmp_path / "other.zip"))
    assert code == 1 and "another deployment" in output
    assert sum((await counts(store)).values()) == 0
