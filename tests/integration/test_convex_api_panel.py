"""Every call site of the panel (CONVEX.md §3.4) through the real ``convex`` npm
client against ``python -m app``, as the panel makes them after its three
changes (the URL, ``setAuth`` with a service token, ``auth:verifyCredentials``
in its login route)."""

from __future__ import annotations

from typing import Any

import bcrypt
import pytest

from app.config import Settings
from app.documents.ids import mint
from tests.integration.convex_client import PACKAGES, call, calls, f64, failure, value
from tests.integration.helpers import Store, cheap_service_env, running_service

TOKEN = "panel-token-" + "p" * 40
PASSWORD = "Kafkas-2025-dernek"


def service(settings: Settings, **env: str) -> Any:
    assert settings.mongodb_url
    return running_service(
        settings.mongodb_url,
        settings.database,
        **cheap_service_env(
            APP_SERVICE_TOKENS=f"panel:{TOKEN}",
            APP_LEGACY_BCRYPT_COST="12",
            APP_CONVEX_API_PREFIX="/convex",  # off by default
            **env,
        ),
    )


def bcryptjs(password: str, cost: int) -> str:
    """What the panel's bcryptjs writes ($2b$)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()


@pytest.mark.parametrize("package", PACKAGES)
async def test_every_panel_call_site(settings: Settings, store: Store, package: str) -> None:
    ayse = await store.add_user(
        "ayse@example.org",
        password_hash=bcryptjs(PASSWORD, 10),  # seed:seedFirstAdmin's cost
        name="Ayşe Yılmaz",
        role="admin",
        permissions=["users:manage"],
        phone="+90 555 000 0000",
    )
    new_hash = bcryptjs("Yeni-sifre-2025", 12)
    with service(settings) as base:
        url = f"{base}/convex"
        login = await calls(
            url,
            [
                # login/route.ts:62 (lower-cased, not trimmed)
                call("query", "auth.getUserByEmail", {"email": "ayse@example.org"}),
                # the login route's one change
                call(
                    "mutation",
                    "auth.verifyCredentials",
                    {
                        "email": "ayse@example.org",
                        "password": PASSWORD,
                        "ipAddress": "203.0.113.9",
                        "userAgent": "Mozilla/5.0",
                    },
                ),
                call(
                    "mutation", "auth.verifyCredentials", {"email": ayse["email"], "password": "x"}
                ),
                # login/route.ts:182
                call("mutation", "auth.updateLastLogin", {"userId": ayse["_id"]}),
                # session.ts:146 / get-user.ts:64 / messages/[id]/route.ts:156
                call("query", "users.get", {"id": ayse["_id"]}),
                # the dev mock sessions' IDs reach get-user.ts too: validation, then null there
                call("query", "users.get", {"id": "mock-admin-1"}),
                # health/route.ts:59
                call("query", "users.list", {}),
                # users/route.ts:127 (search/role undefined: dropped on the wire)
                call("query", "users.list", {"isActive": True, "limit": 50.0}),
                # error-notifications.ts:36 (fetchQuery with the token option)
                call("fetchQuery", "users.list", {"role": "admin", "isActive": True}),
                # audit-logs/route.ts:35 (?limit=abc → NaN)
                call("query", "audit_logs:list", {"limit": f64(float("nan"))}),
            ],
            token=TOKEN,
            package=package,
        )
        by_email, verified, wrong, last_login, got, mock, health, active, admins, _ = login
        assert value(by_email)["_id"] == ayse["_id"]
        assert "passwordHash" not in value(by_email)
        assert value(by_email)["name"] == "Ayşe Yılmaz"
        assert value(verified)["email"] == "ayse@example.org"
        assert "passwordHash" not in value(verified)
        assert wrong["name"] == "ConvexError" and wrong["data"]["code"] == "INVALID_CREDENTIALS"
        assert "Invalid email or password" in failure(wrong)  # the panel's 401 words
        assert value(last_login) == {"success": True}
        assert value(got)["lastLogin"].endswith("Z") and value(got)["isActive"] is True
        assert failure(mock).startswith("ArgumentValidationError: Value does not match validator.")
        assert value(health)["isDone"] is True and value(health)["continueCursor"] is None
        assert value(health)["total"] == 2  # the bootstrap admin and Ayşe, a JS number
        # oldest first (Convex's index order): Ayşe was there before the bootstrap admin
        assert [u["email"] for u in value(active)["documents"]] == [
            "ayse@example.org",
            "root@example.org",
        ]
        assert ayse["_id"] in [u["_id"] for u in value(admins)["documents"]]

        # users/route.ts:191, users/[id]/route.ts:40/139/188
        created_id = value(
            (
                await calls(
                    url,
                    [
                        call(
                            "mutation",
                            "users.create",
                            {
                                "name": " Mehmet Demir ",
                                "email": "mehmet@example.org",
                                "role": "staff",
                                "permissions": ["donations:access"],
                                "passwordHash": bcryptjs(PASSWORD, 12),
                                "isActive": True,
                                "labels": ["gonullu"],
                            },
                        )
                    ],
                    token=TOKEN,
                    package=package,
                )
            )[0]
        )
        assert isinstance(created_id, str) and len(created_id) == 32
        later = await calls(
            url,
            [
                call("query", "users.get", {"id": created_id}),
                call("query", "users.list", {"search": "mehmet dem", "limit": 50.0}),
                call(
                    "mutation",
                    "users.create",
                    {
                        "name": "Again",
                        "email": "MEHMET@example.org",
                        "role": "staff",
                        "permissions": [],
                        "passwordHash": bcryptjs(PASSWORD, 4),
                        "isActive": True,
                    },
                ),
                call(
                    "mutation",
                    "users.update",
                    {"id": created_id, "name": "Mehmet D.", "passwordHash": new_hash},
                ),
                call("mutation", "users.update", {"id": mint(10001), "name": "Nobody"}),
                call(
                    "mutation",
                    "users.create",
                    {
                        "name": "Plain",
                        "email": "plain@example.org",
                        "role": "staff",
                        "permissions": [],
                        "passwordHash": "not-a-hash",
                        "isActive": True,
                    },
                ),
                call("mutation", "users.remove", {"id": created_id}),
                call("query", "users.get", {"id": created_id}),
                call("query", "users.get", {"id": mint(10001)}),
                call(
                    "mutation",
                    "auth.verifyCredentials",
                    {"email": "mehmet@example.org", "password": "Yeni-sifre-2025"},
                ),
            ],
            token=TOKEN,
            package=package,
        )
        got_new, found, duplicate, updated, missing, plain, removed, after, nobody, inactive = later
        assert value(got_new)["name"] == "Mehmet Demir"  # trimmed, as the panel's create
        assert value(got_new)["labels"] == ["gonullu"]
        assert "passwordHash" not in value(got_new)
        assert [u["_id"] for u in value(found)["documents"]] == [created_id]
        assert "already exists" in failure(duplicate)  # handleApiError → 409
        assert duplicate["data"]["code"] == "EMAIL_TAKEN"
        assert value(updated)["name"] == "Mehmet D." and "passwordHash" not in value(updated)
        assert "not found" in failure(missing)  # users/[id] PATCH → 404
        assert plain["data"]["code"] == "VALIDATION_ERROR"
        assert "not-a-hash" not in failure(plain)
        assert value(removed) == {"success": True}
        assert value(after)["isActive"] is False  # soft delete: session.ts refuses it
        assert value(nobody) is None
        assert inactive["data"]["code"] == "ACCOUNT_INACTIVE"

    stored = await store.user(created_id)
    assert stored is not None and stored["passwordHash"] == new_hash  # the legacy hash as given
    upgraded = await store.user(ayse["_id"])
    assert upgraded is not None and upgraded["passwordHash"].startswith("$argon2id$")
    events = await store.events("login_success")
    assert [(e["user_id"], e["ip_address"]) for e in events] == [(ayse["_id"], "203.0.113.9")]
    failures = await store.events("login_failure")
    assert any(e["user_id"] == ayse["_id"] for e in failures)
    logs = await store.db.audit_logs.find({"resource_id": created_id}).to_list()
    assert {log["action"] for log in logs} >= {"CREATE", "UPDATE", "DELETE"}
    assert "Yeni" not in str(logs) and new_hash not in str(logs)


@pytest.mark.parametrize("package", PACKAGES)
async def test_audit_logs_in_the_panels_fields(
    settings: Settings, store: Store, package: str
) -> None:
    """audit_logs:list answers camelCase documents, newest first, filtered by action."""
    with service(settings) as base:
        url = f"{base}/convex/"  # a trailing slash: the client asks for //api/query
        created = await calls(
            url,
            [
                call(
                    "mutation",
                    "users.create",
                    {
                        "name": "Zeynep",
                        "email": "zeynep@example.org",
                        "role": "staff",
                        "permissions": [],
                        "passwordHash": bcryptjs(PASSWORD, 4),
                        "isActive": True,
                    },
                ),
                call("query", "audit_logs:list", {"limit": 100.0, "action": "CREATE"}),
                call("query", "audit_logs:list", {"action": "RESTORE"}),
            ],
            token=TOKEN,
            package=package,
        )
    user_id = value(created[0])
    logs = value(created[1])
    # newest first: this create, then the bootstrap admin's
    assert len(logs) == 2 and logs[0]["resourceId"] == user_id
    log = logs[0]
    assert log["userId"] == "service:panel" and log["resource"] == "users"
    assert log["timestamp"].endswith("Z") and len(log["timestamp"]) == 24
    assert log["changes"]["passwordHash"]["to"] == "[redacted]"
    assert set(log) >= {"_id", "_creationTime", "userId", "resourceId", "timestamp", "action"}
    assert failure(created[2]).startswith("ArgumentValidationError: Value does not match")
