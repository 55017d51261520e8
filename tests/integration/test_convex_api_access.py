"""Who reaches the Convex function API of ``python -m app``: nobody unless it is
turned on; both of the client's auth schemes (``setAuth``, ``setAdminAuth``)
through the real npm client at both versions; the allowed networks; and the
audit trail of its writes, the same as the REST routes leave."""

from __future__ import annotations

from typing import Any

import bcrypt
import httpx
import pytest

from app.config import Settings
from tests.integration.convex_client import PACKAGES, call, calls, failure, value
from tests.integration.helpers import Store, cheap_service_env, running_service, sign_in_as_root

TOKEN = "panel-token-" + "p" * 40
BODY = {"path": "users:list", "format": "convex_encoded_json", "args": [{}]}


def service(settings: Settings, **env: str) -> Any:
    assert settings.mongodb_url
    return running_service(
        settings.mongodb_url,
        settings.database,
        **cheap_service_env(APP_SERVICE_TOKENS=f"panel:{TOKEN}", **env),
    )


async def test_the_api_is_off_by_default(settings: Settings) -> None:
    with service(settings) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            off = [await http.post(p, json=BODY, headers=auth) for p in ("/convex/api/query",)]
            health = await http.get("/health")
    assert [r.status_code for r in off] == [404]
    assert health.status_code == 200


@pytest.mark.parametrize("package", PACKAGES)
async def test_set_auth_and_set_admin_auth_both_work(settings: Settings, package: str) -> None:
    with service(settings, APP_CONVEX_API_PREFIX="/convex") as base:
        url = f"{base}/convex"
        plan = [call("query", "users.list", {})]
        bearer = await calls(url, plan, token=TOKEN, package=package)
        admin = await calls(url, plan, token=TOKEN, package=package, admin_auth=True)
        wrong = await calls(url, plan, token="x" * 43, package=package, admin_auth=True)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            schemes = [
                await http.post("/api/query", json=BODY, headers={"Authorization": header})
                for header in (f"Convex {TOKEN}", f"convex {TOKEN}", f"Basic {TOKEN}", "Convex")
            ]
    assert value(bearer[0])["total"] == 1.0  # the bootstrap admin
    assert value(admin[0])["total"] == 1.0
    assert '"code":"UNAUTHENTICATED"' in failure(wrong[0])
    assert [r.status_code for r in schemes] == [200, 200, 401, 401]


async def test_only_the_allowed_networks_may_call(settings: Settings) -> None:
    """The client address is the one APP_TRUSTED_PROXIES resolves; a refused
    network gets 403 before its token is looked at."""
    with service(
        settings,
        APP_CONVEX_API_PREFIX="/convex",
        APP_CONVEX_ALLOWED_NETWORKS="10.0.0.0/8, 2001:db8::/32",
        APP_TRUSTED_PROXIES="127.0.0.1/32",
    ) as base:
        async with httpx.AsyncClient(base_url=f"{base}/convex", timeout=30) as http:

            async def post(forwarded_for: str | None, token: str = TOKEN) -> httpx.Response:
                headers = {"Authorization": f"Bearer {token}"}
                if forwarded_for:
                    headers["X-Forwarded-For"] = forwarded_for
                return await http.post("/api/query", json=BODY, headers=headers)

            direct = await post(None)  # 127.0.0.1 itself is not listed
            outside = await post("192.0.2.7")
            outside_bad_token = await post("192.0.2.7", token="y" * 43)
            inside = await post("10.1.2.3")
            inside_v6 = await post("2001:db8::5")
            inside_bad_token = await post("10.1.2.3", token="y" * 43)
        via_client = await calls(
            f"{base}/convex", [call("query", "users.list", {})], token=TOKEN
        )  # from 127.0.0.1
    for refused in (direct, outside, outside_bad_token):
        assert refused.status_code == 403
        error = refused.json()
        assert error["code"] == "FORBIDDEN" and error["message"] == error["error"]
    assert inside.status_code == 200 and inside.json()["status"] == "success"
    assert inside_v6.status_code == 200
    assert inside_bad_token.status_code == 401
    assert '"code":"FORBIDDEN"' in failure(via_client[0])


def _trail(logs: list[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    return [(log["action"], log["resource"], sorted(log.get("changes") or {})) for log in logs]


async def test_writes_leave_the_audit_trail_of_the_rest_routes(
    settings: Settings, store: Store
) -> None:
    """Create, update, remove and updateLastLogin through the functions and
    through REST leave the same audit logs and security events; the functions'
    actor is the service token's name."""
    password_hash = bcrypt.hashpw(b"Kafkas-2025-dernek", bcrypt.gensalt(4)).decode()
    with service(settings, APP_CONVEX_API_PREFIX="/convex") as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            await sign_in_as_root(http)
            created = await http.post(
                "/api/users",
                json={
                    "name": "Rest User",
                    "email": "rest@example.org",
                    "role": "staff",
                    "permissions": [],
                    "password": "Kafkas-2025-dernek-uzun",
                },
            )
            assert created.status_code in (200, 201), created.text
            answer = created.json()
            rest_id = answer.get("data", answer)["_id"]
            for request in (
                http.patch(
                    f"/api/users/{rest_id}",
                    json={"name": "Rest User 2", "phone": "+90 555 000 1111"},
                ),
                http.post(f"/api/users/{rest_id}/last-login"),
                http.delete(f"/api/users/{rest_id}"),
            ):
                response = await request
                assert response.status_code == 200, response.text
        convex_id = value(
            (
                await calls(
                    f"{base}/convex",
                    [
                        call(
                            "mutation",
                            "users.create",
                            {
                                "name": "Convex User",
                                "email": "convex@example.org",
                                "role": "staff",
                                "permissions": [],
                                "passwordHash": password_hash,
                                "isActive": True,
                            },
                        )
                    ],
                    token=TOKEN,
                )
            )[0]
        )
        later = await calls(
            f"{base}/convex",
            [
                call(
                    "mutation",
                    "users.update",
                    {"id": convex_id, "name": "Convex User 2", "phone": "+90 555 000 1111"},
                ),
                call("mutation", "auth.updateLastLogin", {"userId": convex_id}),
                call("mutation", "users.remove", {"id": convex_id}),
            ],
            token=TOKEN,
        )
        assert all(result["ok"] for result in later), later
    logs = store.db.audit_logs
    rest_logs = await logs.find({"resource_id": rest_id}).sort("timestamp", 1).to_list()
    convex_logs = await logs.find({"resource_id": convex_id}).sort("timestamp", 1).to_list()
    assert [log["action"] for log in convex_logs] == ["CREATE", "UPDATE", "DELETE"]
    assert _trail(convex_logs) == _trail(rest_logs)  # actions and changed fields
    assert convex_logs[0]["changes"]["passwordHash"]["to"] == "[redacted]"
    assert {log["user_id"] for log in convex_logs} == {"service:panel"}
    assert [log["action"] for log in rest_logs] == ["CREATE", "UPDATE", "DELETE"]
    events = await store.events()
    rest_events = sorted(e["event_type"] for e in events if e.get("user_id") == rest_id)
    convex_events = sorted(e["event_type"] for e in events if e.get("user_id") == convex_id)
    assert convex_events == rest_events
