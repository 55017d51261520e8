"""The Convex wire protocol of the service (CONVEX.md §1) against ``python -m
app``: authentication, argument validation in Convex's words, encoded values
both ways, forwarding to a (fake) Convex deployment, HTTP-level errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx

from app.config import Settings
from app.documents.ids import mint
from app.security.tokens import hash_token
from tests.integration.convex_client import (
    call,
    calls,
    convex_service,
    f64,
    failure,
    fake_convex,
    i64,
    value,
)
from tests.integration.helpers import (
    DEFAULT_PASSWORD,
    ROOT_EMAIL,
    Store,
)

TOKEN = "panel-token-" + "p" * 40
READER = "reader-token-" + "r" * 40
DEPLOY_KEY = "prod:deploy-key-for-tests"
VALUES = {
    "big": i64(5),
    "minus": i64(-1),
    "nan": f64(float("nan")),
    "inf": f64(float("inf")),
    "ninf": f64(float("-inf")),
    "neg0": f64(-0.0),
    "bytes": {"$bytes": "AQID"},
    "half": 1.5,
    "text": "Işık ş\nikinci satır\t",  # other tables' text passes unchanged
    "list": [None, True, {"deep": i64(2**62)}],
}


def service(settings: Settings, **env: str) -> Any:
    return convex_service(settings, TOKEN, **env)


async def add_reader_token(store: Store) -> None:
    """A stored token without the ``convex`` scope."""
    await store.db.service_tokens.insert_one(
        {
            "_id": "0" * 24,
            "_creationTime": time.time() * 1000,
            "name": "reader",
            "token_hash": hash_token(READER),
            "scopes": ["users:read"],
            "created_at": datetime.now(UTC),
            "is_active": True,
        }
    )


async def test_a_service_token_with_the_convex_scope_is_required(
    settings: Settings, store: Store
) -> None:
    await add_reader_token(store)
    body = {"path": "users:list", "format": "convex_encoded_json", "args": [{}]}
    with service(settings) as base:
        url = f"{base}/convex"
        results = await calls(url, [call("query", "users.list")], token=None)
        results += await calls(url, [call("query", "users.list")], token=READER)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            anonymous = await http.post("/api/query", json=body)
            reader = await http.post(
                "/api/query", json=body, headers={"Authorization": f"Bearer {READER}"}
            )
            login = await http.post(
                f"{base}/api/auth/login", json={"email": ROOT_EMAIL, "password": DEFAULT_PASSWORD}
            )
            session = login.json()["session"]["token"]
            admin = await http.post(
                "/api/query", json=body, headers={"Authorization": f"Bearer {session}"}
            )
            allowed = await http.post(
                "/api/query", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
            )
    # The client shows the body of an HTTP error as its message.
    assert '"code":"UNAUTHENTICATED"' in failure(results[0])
    assert '"code":"FORBIDDEN"' in failure(results[1])
    assert anonymous.status_code == 401 and reader.status_code == 403
    assert admin.status_code == 403  # a user's session is not the panel's server
    for response in (anonymous, reader, admin):
        error = response.json()
        assert error["success"] is False and error["message"] == error["error"]
    assert allowed.status_code == 200 and allowed.json()["status"] == "success"
    denied = await store.events("permission_denied")
    assert {event["details"].get("needed") for event in denied} >= {"convex"}


async def test_argument_validation_as_convex_words_it(settings: Settings, store: Store) -> None:
    session_id = mint(10002)  # an ID of user_sessions
    with service(settings) as base:
        results = await calls(
            f"{base}/convex",
            [
                call("query", "users.get"),
                call("query", "users.get", {"id": "abc"}),
                call("query", "users.get", {"id": session_id}),
                call("query", "users.list", {"role": None}),
                call("query", "users.list", {"extra": 1.0}),
                call("query", "users.list", {"limit": i64(5)}),
                call("query", "audit_logs:list", {"action": "READ"}),
                call("mutation", "users.update", {"id": mint(10001), "labels": ["a", 5.0]}),
                call(
                    "mutation",
                    "auth.verifyCredentials",
                    {"email": "a@example.org", "password": "hunter2-secret", "extra": True},
                ),
                call("query", "users.create", {}),
                call("query", "users.nothing"),
                call("query", "auth.default"),  # a default export: the path is "auth"
            ],
            token=TOKEN,
        )
    messages = [failure(result) for result in results]
    prefix = "ArgumentValidationError: "
    assert messages[0] == (
        prefix + "Object is missing the required field `id`. Consider wrapping the field"
        " validator in `v.optional(...)` if this is expected.\n\nObject: {}\n"
        'Validator: v.object({id: v.id("users")})'
    )
    assert messages[1] == (
        prefix
        + 'Value does not match validator.\nPath: .id\nValue: "abc"\nValidator: v.id("users")'
    )
    assert messages[2] == (
        prefix + f'Found ID "{session_id}" from table `user_sessions`, which does not match'
        ' the table name in validator `v.id("users")`.Path: .id'
    )
    assert messages[3] == (
        prefix + "Value does not match validator.\nPath: .role\nValue: null\nValidator: v.string()"
    )
    assert messages[4] == (
        prefix + "Object contains extra field `extra` that is not in the validator.\n\n"
        "Object: {extra: 1.0}\nValidator: v.object({cursor: v.optional(v.string()),"
        " isActive: v.optional(v.boolean()), limit: v.optional(v.float64()),"
        " role: v.optional(v.string()), search: v.optional(v.string())})"
    )
    assert messages[5].endswith("Path: .limit\nValue: 5\nValidator: v.float64()")
    assert messages[6].endswith(
        'Path: .action\nValue: "READ"\nValidator: v.union(v.literal("CREATE"),'
        ' v.literal("UPDATE"), v.literal("DELETE"), v.literal("VIEW"))'
    )
    assert "Path: .labels[1]\nValue: 5.0\nValidator: v.string()" in messages[7]
    assert "extra field `extra`" in messages[8] and "hunter2" not in messages[8]
    assert "password: [redacted]" in messages[8]
    assert messages[9] == (
        "Trying to execute users.js:create as Query, but it is defined as Mutation."
    )
    assert messages[10].startswith("Could not find public function for 'users:nothing'.")
    assert messages[11].startswith("Could not find public function for 'auth'.")
    assert all(not result.get("data") for result in results)  # plain Errors, as Convex's


async def test_values_round_trip_and_other_functions_are_forwarded(
    settings: Settings, store: Store
) -> None:
    await store.db.audit_logs.insert_one(
        {
            "_id": mint(10004),
            "_creationTime": time.time() * 1000,
            "user_id": "service:import",
            "action": "UPDATE",
            "resource": "beneficiaries",
            "resource_id": "b1",
            "timestamp": datetime.now(UTC),
            "changes": {"count": 2**40, "blob": b"\x01\x02\x03", "ratio": 0.25},
        }
    )
    with (
        fake_convex() as convex,
        service(
            settings, APP_CONVEX_UPSTREAM_URL=convex.url, APP_CONVEX_UPSTREAM_DEPLOY_KEY=DEPLOY_KEY
        ) as base,
    ):
        url = f"{base}/convex"
        results = await calls(
            url,
            [
                call("query", "beneficiaries.echo", VALUES),
                call("mutation", "donations.create", {"amount": 10.5}),
                call("action", "nested.mod.run", {}),
                call("query", "fail:now"),
                call("query", "users.notOwnedHere"),
                call("query", "audit_logs:list", {"resource": "beneficiaries"}),
            ],
            token=TOKEN,
        )
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            raw = [
                await http.post(
                    "/api/function",
                    json={"path": "users.js:get", "args": {"id": mint(10001)}},
                    headers=auth,
                ),
                await http.post("/api/query", content=b"{not json", headers=auth | json_type()),
                await http.post("/api/query", json={"path": "a/:b", "args": {}}, headers=auth),
                await http.post(
                    "/api/query", json={"path": "x:y", "format": "xml", "args": {}}, headers=auth
                ),
                await http.post(
                    "/api/mutation",
                    json={"path": "users:list", "args": [{}, {}]},
                    headers=auth,
                ),
            ]
    echoed, mutated, acted, failed, owned, audit = results
    assert value(echoed) == VALUES  # every encoded value, both ways, through the service
    assert value(mutated) == {"amount": 10.5} and value(acted) == {}
    assert failed["name"] == "ConvexError" and failed["data"] == "E"
    assert failure(owned).startswith("Could not find public function for 'users:notOwnedHere'")
    changes = value(audit)[0]["changes"]
    assert changes == {"count": i64(2**40), "blob": {"$bytes": "AQID"}, "ratio": 0.25}
    assert [r["path"] for r in convex.requests] == [
        "/api/query",
        "/api/mutation",
        "/api/action",
        "/api/query",
    ]
    assert [r["body"]["path"] for r in convex.requests] == [
        "beneficiaries:echo",
        "donations:create",
        "nested/mod:run",
        "fail:now",
    ]
    for request in convex.requests:
        headers = {key.lower(): item for key, item in request["headers"].items()}
        assert headers["authorization"] == f"Convex {DEPLOY_KEY}"  # never the service token
        assert headers["convex-client"].startswith("npm-1.")
    function, bad_json, bad_path, bad_format, two_args = raw
    assert function.status_code == 200
    assert function.json() == {"status": "success", "value": None}  # clean json by default
    for response in (bad_json, bad_path, bad_format, two_args):
        assert response.status_code == 400, response.text
        assert response.json()["message"] == response.json()["error"]
    assert "is not a valid path to a Convex function" in bad_path.json()["message"]
    assert bad_format.json()["message"] == "format param must be one of [`json`]. Got xml"


def json_type() -> dict[str, str]:
    return {"Content-Type": "application/json"}
