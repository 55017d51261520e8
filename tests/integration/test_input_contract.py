"""The input side of the API contract, against `python -m app` on both engines
(NEWCOMER F17, F18): undeclared query parameters are refused, closed sets are
enforced and listed in the OpenAPI document, ID filters are checked like IDs
in paths, and one 400 lists every bad field in the caller's language."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from app.documents.ids import mint
from tests.integration.helpers import cheap_service_env, running_service, sign_in_as_root

USER = {"name": "Ayşe", "email": "ayse@example.org", "role": "staff"}
TURKISH = {"Accept-Language": "tr"}


@pytest.fixture(scope="module")
def base_url(engine: Any) -> Iterator[str]:
    """One server per engine for the module: these requests change nothing they share."""
    database = f"contract_{uuid.uuid4().hex[:12]}"
    with running_service(engine.url, database, **cheap_service_env()) as url:
        yield url


@pytest.fixture
async def http(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        await sign_in_as_root(client)
        yield client


def fields(response: httpx.Response, status: int = 400, code: str = "VALIDATION_ERROR") -> list:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["code"] == code, body
    return [(detail["field"], detail["reason"]) for detail in body.get("details", [])]


async def test_unknown_query_parameters_are_named(http: httpx.AsyncClient) -> None:
    # F17: each of these returned everything, the misspelled filter ignored.
    for path, name in [
        ("/api/audit-logs?userId=xyz", "userId"),
        ("/api/security-events?eventType=login_failure", "eventType"),
        ("/api/users?is_active=false", "is_active"),
        ("/api/users?role[$ne]=x", "role[$ne]"),
        ("/health?verbose=1", "verbose"),
        (f"/api/users/{mint(10001)}?fields=name", "fields"),
    ]:
        response = await http.get(path)
        assert fields(response, code="UNKNOWN_PARAMETER") == [(name, "unknown_parameter")], path
    # Every unknown one, in the order given; known ones are not listed.
    response = await http.get("/api/audit-logs?limit=5&userId=a&actionType=b&userId=c")
    assert response.json()["details"] == [
        {
            "field": "userId",
            "reason": "unknown_parameter",
            "message": "is not a parameter of this route",
        },
        {
            "field": "actionType",
            "reason": "unknown_parameter",
            "message": "is not a parameter of this route",
        },
    ]
    turkish = (await http.get("/api/audit-logs?userId=a", headers=TURKISH)).json()
    assert turkish["error"] == "İstekte bu yolun almadığı bir sorgu parametresi var"
    assert turkish["details"][0]["message"] == "bu yolun bir parametresi değil"
    # Writes too, before the body is looked at.
    created = await http.post("/api/users?dryRun=true", json=USER)
    assert fields(created, code="UNKNOWN_PARAMETER") == [("dryRun", "unknown_parameter")]
    assert (
        await http.get("/api/users/by-email", params={"email": USER["email"]})
    ).status_code == 404


async def test_a_parameter_taking_one_value_is_given_once(http: httpx.AsyncClient) -> None:
    # Which of two values a proxy or cache would read is not knowable: refused.
    assert fields(await http.get("/api/users?limit=5&limit=50")) == [("limit", "repeated")]
    assert fields(await http.get("/api/audit-logs?action=CREATE&action=DELETE")) == [
        ("action", "repeated")
    ]
    # A list parameter takes several.
    assert (await http.get("/api/users?labels=a&labels=b")).status_code == 200


async def test_closed_sets_are_enforced_and_documented(http: httpx.AsyncClient) -> None:
    for path, name in [
        ("/api/audit-logs?action=update", "action"),  # F17: the values are upper case
        ("/api/security-events?event_type=login_failed", "event_type"),
        ("/api/security-events?severity=urgent", "severity"),
        ("/api/users?order=newest", "order"),
        ("/api/audit-logs?action=null", "action"),  # not read as "no filter"
        ("/api/security-events?severity=null", "severity"),
    ]:
        assert fields(await http.get(path)) == [(name, "not_one_of")], path
    detail = (await http.get("/api/audit-logs?action=update")).json()["details"][0]
    assert detail["message"] == "must be one of: CREATE, DELETE, RESTORE, UNLOCK, UPDATE, VIEW"
    for path in [
        "/api/audit-logs?action=CREATE",
        "/api/audit-logs?action=VIEW",
        "/api/security-events?event_type=login_failure&severity=medium",
        "/api/security-events?event_type=2fa_enabled",
        "/api/users?order=desc",
    ]:
        assert (await http.get(path)).status_code == 200, path
    # The service's own writes are in the set: the root's login is listed.
    logins = (await http.get("/api/security-events?event_type=login_success")).json()
    assert logins["documents"]
    document = (await http.get("/schema/openapi.json")).json()
    enums = {
        (path, parameter["name"]): _enum(parameter["schema"])
        for path in ("/api/audit-logs", "/api/security-events", "/api/users")
        for parameter in document["paths"][path]["get"]["parameters"]
    }
    assert set(enums[("/api/audit-logs", "action")] or ()) == {
        "CREATE",
        "UPDATE",
        "DELETE",
        "RESTORE",
        "UNLOCK",
        "VIEW",
    }
    assert {"login_success", "login_failure", "permission_denied", "2fa_enabled"} <= set(
        enums[("/api/security-events", "event_type")] or ()
    )
    assert set(enums[("/api/security-events", "severity")] or ()) == {
        "low",
        "medium",
        "high",
        "critical",
    }
    assert set(enums[("/api/users", "order")] or ()) == {"asc", "desc"}


def _enum(schema: dict[str, Any]) -> list[str] | None:
    if "enum" in schema:
        return list(schema["enum"])
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        if "enum" in option:
            return list(option["enum"])
    return None


async def test_id_filters_are_checked_like_ids_in_paths(http: httpx.AsyncClient) -> None:
    session_id = mint(10002)  # a valid ID, of the sessions table
    for path in [
        "/api/security-events?user_id=bad",  # F17: was 200 []
        f"/api/security-events?user_id={session_id}",
        "/api/audit-logs?user_id=bad",
        f"/api/audit-logs?user_id={session_id}",
    ]:
        response = await http.get(path)
        assert fields(response, code="INVALID_ID")[0][0] == "user_id", path
    detail = (await http.get("/api/security-events?user_id=bad")).json()["details"]
    assert detail == [
        {"field": "user_id", "reason": "invalid_id", "message": "must be an ID of the users table"}
    ]
    assert fields(await http.get("/api/audit-logs?resource_id=nope"), code="INVALID_ID") == [
        ("resource_id", "not_an_id")
    ]
    me = (await http.get("/api/auth/me")).json()["_id"]
    for path in [
        f"/api/security-events?user_id={me}",
        f"/api/audit-logs?user_id={me}",
        "/api/audit-logs?user_id=service:billing",
        "/api/audit-logs?user_id=system:bootstrap",
        f"/api/security-events?user_id={'a' * 24}",  # an ObjectId of an earlier version
    ]:
        assert (await http.get(path)).status_code == 200, path
    events = (await http.get(f"/api/security-events?user_id={me}")).json()["documents"]
    assert events and {event["user_id"] for event in events} == {me}


async def test_one_400_lists_every_bad_field(http: httpx.AsyncClient) -> None:
    # F18: {"name":"","email":"bad","role":""} listed only name.
    response = await http.post("/api/users", json={"name": "", "email": "bad", "role": ""})
    assert fields(response) == [
        ("name", "too_short"),
        ("role", "too_short"),
        ("email", "email_invalid"),
    ]
    body = {
        "name": "  ",
        "email": "x@y@z",
        "role": 7,
        "labels": ["ok", "not ok", "x" * 40],
        "isActive": "perhaps",
        "nickname": "A",
        "phone": "()",
    }
    assert sorted(fields(await http.post("/api/users", json=body))) == sorted(
        [
            ("nickname", "unknown_field"),
            ("role", "not_string"),
            ("isActive", "not_boolean"),
            ("labels[1]", "pattern"),
            ("labels[2]", "pattern"),
            ("name", "name_length"),
            ("email", "email_invalid"),
            ("phone", "phone_digits"),
        ]
    )
    # Query parameters the same way, all at once; a missing required one is named.
    listed = await http.get("/api/users?limit=0&order=up&isActive=maybe&withTotal=2")
    assert sorted(fields(listed)) == [
        ("isActive", "not_boolean"),
        ("limit", "too_small"),
        ("order", "not_one_of"),
        ("withTotal", "not_boolean"),
    ]
    assert fields(await http.get("/api/users/by-email")) == [("email", "required")]
    assert (await http.get("/api/users?limit=0")).json()["details"][0]["message"] == (
        "must be at least 1"
    )
    # Nothing was created.
    assert (await http.get("/api/users")).json()["total"] == 1


async def test_field_messages_are_turkish_too(http: httpx.AsyncClient) -> None:
    body = {"name": "", "email": "bad", "role": "", "zzz": 1}
    answer = (await http.post("/api/users", json=body, headers=TURKISH)).json()
    assert answer["error"] == "İstek geçersiz"
    assert answer["details"] == [
        {"field": "zzz", "reason": "unknown_field", "message": "bilinmeyen bir alan"},
        {"field": "name", "reason": "too_short", "message": "en az 1 karakter olmalı"},
        {"field": "role", "reason": "too_short", "message": "en az 1 karakter olmalı"},
        {
            "field": "email",
            "reason": "email_invalid",
            "message": "geçerli bir e-posta adresi olmalı",
        },
    ]
    query = (await http.get("/api/users?limit=500", headers=TURKISH)).json()
    assert query["details"] == [
        {"field": "limit", "reason": "too_large", "message": "en fazla 100 olmalı"}
    ]
    bad_id = (await http.get("/api/security-events?user_id=x", headers=TURKISH)).json()
    assert bad_id["details"][0]["message"] == "users tablosunun bir kimliği olmalı"


async def test_the_document_describes_the_400_as_answered(http: httpx.AsyncClient) -> None:
    document = (await http.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    reasons = set(schemas["FieldError"]["properties"]["reason"]["enum"])
    codes = set(schemas["ErrorBody"]["properties"]["code"]["enum"])
    operations = [
        operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 25
    for operation in operations:
        bad = operation["responses"]["400"]["content"]["application/json"]["schema"]
        assert bad == {"$ref": "#/components/schemas/ErrorBody"}
    # Real answers use only the codes and reasons the document lists.
    answers = [
        await http.get("/api/audit-logs?userId=x"),
        await http.get("/api/users?limit=0&order=up"),
        await http.get("/api/security-events?user_id=bad"),
        await http.post("/api/users", json={"name": "", "role": 1, "x": 2}),
    ]
    for answer in answers:
        body = answer.json()
        assert body["code"] in codes
        assert {detail["reason"] for detail in body["details"]} <= reasons
        assert all(set(detail) == {"field", "reason", "message"} for detail in body["details"])


async def test_access_is_decided_before_the_input(base_url: str) -> None:
    # A caller without access learns nothing of a route's rules: 401, not 400.
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as anonymous:
        assert (await anonymous.get("/api/audit-logs?userId=x")).status_code == 401
        created = await anonymous.post("/api/users", json={"name": ""})
        assert created.status_code == 401
