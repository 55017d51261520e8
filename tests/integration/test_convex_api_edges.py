"""Edges of the Convex API in-process: a deployment that does not answer, the
API turned off, endpoints the client never uses, no password hash in any answer."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.config import Settings
from tests.conftest import SERVICE_TOKEN
from tests.integration.helpers import Store
from tests.support.processes import free_port

AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
ON = {"convex_api_prefix": "/convex"}  # the API is off by default


@pytest.fixture
def app(settings: Settings) -> Litestar:
    """The ``client`` fixture's app, with the Convex API turned on."""
    return create_app(settings.model_copy(update=ON))


def body(path: str, **args: Any) -> dict[str, Any]:
    return {"path": path, "format": "convex_encoded_json", "args": [args]}


async def test_an_unreachable_deployment_is_502(settings: Settings) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    app = create_app(settings.model_copy(update={**ON, "convex_upstream_url": closed}))
    async with AsyncTestClient(app) as client:
        response = await client.post("/convex/api/query", json=body("donations:list"), headers=AUTH)
    assert response.status_code == 502
    assert response.json()["code"] == "CONVEX_UNREACHABLE"
    assert response.json()["message"] == response.json()["error"]


async def test_without_a_deployment_other_functions_are_not_found(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.post("/convex/api/query", json=body("donations:list"), headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {
        "status": "error",
        "errorMessage": "Could not find public function for 'donations:list'. Did you forget"
        " to run `npx convex dev` or `npx convex deploy`?",
    }
    other = await client.post("/convex/api/query_ts", json={}, headers=AUTH)
    assert other.status_code == 404 and other.json()["message"] == other.json()["error"]


async def test_the_api_can_be_moved_and_turned_off(settings: Settings) -> None:
    answers = []
    for prefix in ("/panel-data", ""):
        app = create_app(settings.model_copy(update={"convex_api_prefix": prefix}))
        async with AsyncTestClient(app) as client:
            for path in ("/panel-data/api/query", "/convex/api/query"):
                response = await client.post(path, json=body("users:list"), headers=AUTH)
                answers.append(response.status_code)
    assert answers == [200, 404, 404, 404]


async def test_no_hash_leaves_through_any_function(
    client: AsyncTestClient[Any], store: Store
) -> None:
    """The client fixture fails the test if a hash appears in any answer."""
    user = await store.add_user("hash@example.org", role="admin", permissions=["users:manage"])
    for path, args in [
        ("auth:getUserByEmail", {"email": "hash@example.org"}),
        ("auth:getCurrentUser", {"userId": user["_id"]}),
        ("users:get", {"id": user["_id"]}),
        ("users:getByEmail", {"email": "HASH@example.org"}),
        ("users:list", {}),
        ("users:update", {"id": user["_id"], "phone": "+90 555 111 2233"}),
    ]:
        response = await client.post("/convex/api/function", json=body(path, **args), headers=AUTH)
        assert response.json()["status"] == "success", response.text
        assert response.json()["value"] is not None
    verified = await client.post(
        "/convex/api/mutation",
        json=body(
            "auth:verifyCredentials", email="hash@example.org", password="correct horse battery"
        ),
        headers=AUTH,
    )
    assert verified.json()["value"]["_id"] == user["_id"]
    stored = await store.user(user["_id"])
    assert stored is not None and stored["phone"] == "+90 555 111 2233"


async def test_control_characters_in_the_services_own_functions_are_400(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.post(
        "/convex/api/query",
        json=body("users:getByEmail", email="a@example.org\u0000"),
        headers=AUTH,
    )
    assert response.status_code == 400
    assert response.json()["details"] == [
        {
            "field": "args[0].email",
            "reason": "control_characters",
            "message": "must not contain control characters",
        }
    ]


async def test_the_lockout_answers_in_structured_errors(
    client: AsyncTestClient[Any], store: Store
) -> None:
    """verifyCredentials counts per account and client address (ipAddress)."""
    await store.add_user("locked@example.org")
    args = {"email": "locked@example.org", "password": "wrong", "ipAddress": "198.51.100.7"}
    errors = []
    for _ in range(6):
        response = await client.post(
            "/convex/api/mutation", json=body("auth:verifyCredentials", **args), headers=AUTH
        )
        assert response.status_code == 200
        errors.append(response.json())
    assert errors[0]["errorData"]["code"] == "INVALID_CREDENTIALS"
    assert errors[0]["errorData"]["details"] == {"remainingAttempts": 4.0}  # a JS number
    assert errors[-1]["errorData"]["code"] == "ACCOUNT_LOCKED"
    assert errors[-1]["errorData"]["details"]["retryAfter"] > 0
    # Another client address is not locked out of the account.
    other = await client.post(
        "/convex/api/mutation",
        json=body("auth:verifyCredentials", **{**args, "ipAddress": "198.51.100.8"}),
        headers=AUTH,
    )
    assert other.json()["errorData"]["code"] == "INVALID_CREDENTIALS"
