"""The panel's four tables to the stored documents and back, field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.convex_io.tables import IMPORTED_TOKEN_PREFIX, Invalid, Options, mappings
from app.users.search import search_tokens
from tests.support.panel_data import bcrypt_hash, panel_data

USER_ID = "j570c3a2vfz8js99c3t12b68hh863egz"
OTHER_ID = "jd71dy1pftegp7scv1wxkzys5n7j2d97"
HASH = "$2b$10$" + "a" * 53


def user(**fields: Any) -> dict[str, Any]:
    return {
        "_id": USER_ID,
        "_creationTime": 1762963590123.4567,
        "name": "Ayşe Yılmaz",
        "email": "ayse@dernek.org",
        "role": "Personel",
        "isActive": True,
        **fields,
    }


def test_users_keep_their_fields_and_get_search_helpers() -> None:
    mapped = mappings()["users"].to_stored(
        user(createdAt="2025-11-12T16:06:30.123Z", passwordHash=HASH, birth_date="1990-01-01"),
        Options(),
    )
    stored = mapped.document
    assert stored["_id"] == USER_ID and stored["_creationTime"] == 1762963590123.4567
    assert stored["createdAt"] == "2025-11-12T16:06:30.123Z"  # the panel compares strings
    assert stored["permissions"] == [] and stored["passwordHash"] == HASH
    assert stored["searchTokens"] == search_tokens("Ayşe Yılmaz")
    assert mapped.unknown == {"birth_date": "1990-01-01"}
    assert "birth_date" not in stored


def test_emails_are_stored_normalized() -> None:
    stored = mappings()["users"].to_stored(user(email=" ZEYNEP.YILMAZ@Dernek.org"), Options())
    assert stored.document["email"] == "zeynep.yilmaz@dernek.org"
    dotless = mappings()["users"].to_stored(user(email="zeynep.yılmaz@dernek.org"), Options())
    assert dotless.document["email"] == "zeynep.yilmaz@dernek.org"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"_id": "not-an-id"}, "_id:"),
        ({"_creationTime": "1700000000000"}, "_creationTime:"),
        ({"_creationTime": -1.0}, "_creationTime:"),
        ({"email": "nobody"}, "email"),
        ({"isActive": "true"}, "isActive:"),
        ({"passwordHash": "hunter2-plain"}, "passwordHash:"),
        ({"createdAt": "dün"}, "createdAt:"),
        ({"searchTokens": ["w:x"]}, "searchTokens:"),
        ({"_extra": 1}, "_extra"),
        ({"a.b": 1}, "a.b"),
        ({"profile": {"$where": 1}}, "profile"),
        ({"score": float("nan")}, "NaN"),
        ({"name": None}, "name:"),
    ],
)
def test_a_bad_user_is_refused_with_the_field_never_the_value(
    fields: dict[str, Any], reason: str
) -> None:
    with pytest.raises(Invalid) as refused:
        mappings()["users"].to_stored(user(**fields), Options())
    assert reason in str(refused.value)
    assert "hunter2" not in str(refused.value) and "dün" not in str(refused.value)


def test_sessions_come_without_a_token_inactive_with_their_history() -> None:
    panel = {
        "_id": OTHER_ID,
        "_creationTime": 1.5,
        "user_id": USER_ID,
        "device_info": "Chrome / Windows",
        "ip_address": "85.105.1.2",
        "is_active": True,
        "created_at": "2025-11-12T16:00:00.000Z",
        "last_activity": "2025-11-12T16:06:30.123Z",
    }
    stored = mappings()["user_sessions"].to_stored(panel, Options(session_history_ms=1000)).document
    assert stored["is_active"] is False
    assert stored["token_hash"] == IMPORTED_TOKEN_PREFIX + OTHER_ID
    assert stored["session_id"] == OTHER_ID
    assert stored["created_at"] == 1762963200000.0 and stored["last_activity"] == 1762963590123.0
    assert stored["expires_at"] == stored["last_activity"]
    assert stored["purge_at"] == datetime(2025, 11, 12, 16, 6, 31, 123000, tzinfo=UTC)
    back = mappings()["user_sessions"].to_panel(stored)
    assert back == {**panel, "is_active": False}


def event(**fields: Any) -> dict[str, Any]:
    system = {"_id": OTHER_ID, "_creationTime": 2.25}
    kind = {"event_type": "2fa_enabled", "severity": "medium", "reviewed": True}
    return {**system, **kind, "occurred_at": "2025-11-12T16:06:30.123Z", **fields}


def test_events_and_audit_logs_convert_times_and_keep_the_panel_fields() -> None:
    panel = event(details={"attempts": 3, "score": 2.0, "raw": b"\x00"})
    stored = mappings()["security_events"].to_stored(panel, Options()).document
    assert stored["occurred_at"] == datetime(2025, 11, 12, 16, 6, 30, 123000, tzinfo=UTC)
    assert stored["reviewed"] is True
    assert mappings()["security_events"].to_panel(stored) == panel

    log = {
        "_id": OTHER_ID,
        "_creationTime": 3.0,
        "userId": USER_ID,
        "userName": "Ayşe Yılmaz",
        "action": "VIEW",
        "resource": "users",
        "resourceId": USER_ID,
        "ipAddress": "85.105.1.2",
        "userAgent": "Chrome",
        "timestamp": "2025-11-12T16:06:30.123Z",
        "changes": {"n": 1},
        "metadata": {"count": 7, "ratio": 1.0},
    }
    stored = mappings()["audit_logs"].to_stored(log, Options()).document
    assert {key: stored[key] for key in ("user_id", "user_name", "resource_id", "action")} == {
        "user_id": USER_ID,
        "user_name": "Ayşe Yılmaz",
        "resource_id": USER_ID,
        "action": "VIEW",
    }
    assert (stored["ip_address"], stored["user_agent"]) == ("85.105.1.2", "Chrome")
    assert mappings()["audit_logs"].to_panel(stored) == log


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(Invalid, match="details"):
        mappings()["security_events"].to_stored(event(details="free text"), Options())


def test_every_fixture_document_comes_back_as_it_was() -> None:
    data = panel_data(60, seed=7, duplicate_email=False)
    for table in ("users", "user_sessions", "security_events", "audit_logs"):
        mapping = mappings()[table]
        for document in data.tables[table]:
            mapped = mapping.to_stored(document, Options())
            back = mapping.to_panel({**mapped.document, **mapped.unknown})
            expected = dict(document)
            if table == "users":
                expected.setdefault("permissions", [])
            if table == "user_sessions":
                expected["is_active"] = False
            assert back == expected
    assert data.tables["users"][0]["passwordHash"] == bcrypt_hash(data.secrets["baskan@dernek.org"])
