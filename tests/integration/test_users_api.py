"""The users API against real wire servers: Convex parity and its fixes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from tests.conftest import SERVICE_TOKEN
from tests.integration.helpers import Store, cheap_service_env, running_service, sign_in_as_root

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


async def create(client: Client, **fields: Any) -> httpx.Response:
    body = {"name": "Ayşe Yılmaz", "email": "ayse@example.org", "role": "staff", **fields}
    return await client.post("/api/users", json=body)


async def test_create_normalizes_and_returns_the_document(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    response = await create(
        client,
        email="  Ayse@Example.ORG ",
        phone="+90 (555) 123-45-67",
        labels=["gönüllü", "board"],
        password="a fine password",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ayse@example.org"
    assert body["isActive"] is True and body["permissions"] == []
    assert body["createdAt"].endswith("Z")
    assert "avatar" not in body and "passwordHash" not in body
    stored = await store.user(body["_id"])
    assert stored is not None and stored["passwordHash"].startswith("$argon2id$")
    login = await client.post(
        "/api/auth/login", json={"email": "ayse@example.org", "password": "a fine password"}
    )
    assert login.status_code == 200
    audit = await store.db.audit_logs.find({"action": "CREATE"}).to_list()
    assert audit[0]["user_id"] == admin["_id"] and audit[0]["resource_id"] == body["_id"]
    assert audit[0]["changes"]["passwordHash"] == {"from": None, "to": "[redacted]"}
    assert "searchTokens" not in audit[0]["changes"]


async def test_duplicate_email_is_409(client: Client, admin: dict[str, Any]) -> None:
    assert (await create(client)).status_code == 201
    again = await create(client, email="AYSE@example.org")
    assert again.status_code == 409 and again.json()["code"] == "EMAIL_TAKEN"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"phone": "1" * 33}, "phone"),
        ({"avatar": "javascript:alert(1)"}, "avatar"),
        ({"avatar": "https://x.org/" + "a" * 2048}, "avatar"),
        ({"labels": ["has space"]}, "labels"),
        ({"labels": ["x" * 37]}, "labels"),
        ({"labels": [f"l{n}" for n in range(101)]}, "labels"),
        ({"permissions": ["manage"]}, "permissions"),
        ({"role": ""}, "role"),
        ({"role": "r" * 65}, "role"),
        ({"passwordHash": "$2b$12$x"}, "passwordHash"),
        ({"nickname": "x"}, "nickname"),
        ({"isActive": "yes"}, "isActive"),
    ],
)
async def test_create_validation(
    client: Client, admin: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    response = await create(client, **fields)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert re.split(r"[.[]", body["details"][0]["field"])[0] == field


async def test_get_batch_and_by_email(client: Client, admin: dict[str, Any]) -> None:
    first = (await create(client)).json()
    second = (await create(client, email="b@example.org", name="Bora")).json()
    got = await client.get(f"/api/users/{first['_id']}")
    assert got.status_code == 200 and got.json() == first
    missing = "a" * 24
    assert (await client.get(f"/api/users/{missing}")).json()["code"] == "USER_NOT_FOUND"
    bad = await client.get("/api/users/not-an-id")
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_ID"
    batch = await client.post(
        "/api/users/batch-get", json={"ids": [second["_id"], missing, first["_id"]]}
    )
    assert [d and d["_id"] for d in batch.json()["documents"]] == [
        second["_id"],
        None,
        first["_id"],
    ]
    too_many = await client.post("/api/users/batch-get", json={"ids": [missing] * 101})
    assert too_many.status_code == 400
    bad_id = await client.post("/api/users/batch-get", json={"ids": ["nope"]})
    assert bad_id.json()["code"] == "INVALID_ID"
    by_email = await client.get("/api/users/by-email", params={"email": "  B@Example.org "})
    assert by_email.status_code == 200 and by_email.json()["_id"] == second["_id"]
    absent = await client.get("/api/users/by-email", params={"email": "zz@example.org"})
    assert absent.status_code == 404


async def test_service_tokens_reach_only_their_routes(
    client: Client, admin: dict[str, Any]
) -> None:
    user = (await create(client)).json()
    client.cookies.clear()
    assert (await client.get(f"/api/users/{user['_id']}", headers=SERVICE)).status_code == 200
    batch = await client.post("/api/users/batch-get", json={"ids": [user["_id"]]}, headers=SERVICE)
    assert batch.status_code == 200
    assert (
        await client.get(
            "/api/users/by-email", params={"email": "ayse@example.org"}, headers=SERVICE
        )
    ).status_code == 200
    patched = await client.patch(
        f"/api/users/{user['_id']}", json={"name": "Ayşe Y."}, headers=SERVICE
    )
    assert patched.status_code == 200
    assert (await client.post(f"/api/users/{user['_id']}/last-login", headers=SERVICE)).json() == {
        "success": True
    }
    # Admin-only routes stay closed to services.
    assert (await client.get("/api/users", headers=SERVICE)).status_code == 403
    assert (await client.delete(f"/api/users/{user['_id']}", headers=SERVICE)).status_code == 403
    assert (await client.get(f"/api/users/{user['_id']}")).status_code == 401


async def test_non_admins_are_forbidden(client: Client, store: Store) -> None:
    user = await store.add_user("staff@example.org")
    await client.post("/api/auth/login", json={"email": "staff@example.org", "password": PASSWORD})
    for response in (
        await client.get("/api/users"),
        await client.get(f"/api/users/{user['_id']}"),
        await create(client, email="x@example.org"),
        await client.patch(f"/api/users/{user['_id']}", json={"role": "admin"}),
    ):
        assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert len(await store.events("permission_denied")) == 4


async def test_patch_follows_convex_rules(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    user = (await create(client, phone="+90 555 000 00 00")).json()
    url = f"/api/users/{user['_id']}"
    patched = await client.patch(url, json={"name": " Işık Yılmaz ", "phone": None})
    assert patched.status_code == 200
    body = patched.json()
    assert body["name"] == "Işık Yılmaz" and "phone" not in body and "updatedAt" in body
    assert (await client.patch(url, json={})).json() == body  # no-op
    same = await client.patch(
        url, json={"_id": user["_id"], "_creationTime": user["_creationTime"]}
    )
    assert same.status_code == 200
    for bad, field in (
        ({"name": None}, "name"),
        ({"email": None}, "email"),
        ({"passwordHash": "x"}, "passwordHash"),
        ({"unknown": 1}, "unknown"),
        ({"_id": "b" * 24}, "_id"),
        ({"_creationTime": 1.0}, "_creationTime"),
    ):
        response = await client.patch(url, json=bad)
        assert response.status_code == 400, bad
        assert response.json()["details"][0]["field"] == field
    assert (await client.patch(f"/api/users/{'c' * 24}", json={"name": "x"})).status_code == 404
    audits = await store.db.audit_logs.find({"action": "UPDATE"}).to_list()
    assert len(audits) == 1  # the no-op and the failures wrote nothing
    assert audits[0]["changes"]["name"] == {"from": "Ayşe Yılmaz", "to": "Işık Yılmaz"}
    assert audits[0]["changes"]["phone"] == {"from": "+90 555 000 00 00", "to": None}


async def test_patch_email_is_normalized_and_unique(client: Client, admin: dict[str, Any]) -> None:
    user = (await create(client)).json()
    await create(client, email="taken@example.org")
    url = f"/api/users/{user['_id']}"
    taken = await client.patch(url, json={"email": "TAKEN@example.org"})
    assert taken.status_code == 409
    moved = await client.patch(url, json={"email": " New@Example.org"})
    assert moved.json()["email"] == "new@example.org"


async def test_soft_delete_and_restore(client: Client, admin: dict[str, Any], store: Store) -> None:
    await store.add_user("victim@example.org")
    other = AsyncTestClient(client.app)
    victim_login = await client.post(
        "/api/auth/login",
        json={"email": "victim@example.org", "password": PASSWORD},
    )
    victim_token = victim_login.json()["session"]["token"]
    victim_id = victim_login.json()["user"]["_id"]
    # The login replaced the admin's cookie: sign the admin in again.
    await client.post("/api/auth/login", json={"email": "admin@example.org", "password": PASSWORD})
    del other
    deleted = await client.delete(f"/api/users/{victim_id}")
    assert deleted.status_code == 200 and deleted.json()["isActive"] is False
    assert await store.user(victim_id) is not None  # the document stays
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {victim_token}"})
    assert me.status_code == 401
    assert (await store.db.sessions.count_documents({"user_id": victim_id, "is_active": True})) == 0
    restored = await client.post(f"/api/users/{victim_id}/restore")
    assert restored.json()["isActive"] is True
    actions = [
        a["action"]
        for a in await store.db.audit_logs.find({"resource_id": victim_id})
        .sort("_creationTime", 1)
        .to_list()
    ]
    assert actions == ["DELETE", "RESTORE"]
    events = {e["event_type"] for e in await store.events()}
    assert {"user_deactivated", "user_restored", "session_revoked"} <= events
    myself = await client.delete(f"/api/users/{admin['_id']}")
    assert myself.status_code == 409 and myself.json()["code"] == "SELF_DEACTIVATION"
    self_patch = await client.patch(f"/api/users/{admin['_id']}", json={"isActive": False})
    assert self_patch.status_code == 409 and self_patch.json()["code"] == "SELF_DEACTIVATION"


async def test_last_login_and_password_set(
    client: Client, admin: dict[str, Any], store: Store
) -> None:
    user = await store.add_user("pw@example.org")
    assert (await client.post(f"/api/users/{user['_id']}/last-login")).json() == {"success": True}
    assert (await store.user(user["_id"]))["lastLogin"].endswith("Z")  # type: ignore[index]
    missing = await client.post(f"/api/users/{'d' * 24}/last-login")
    assert missing.status_code == 404 and missing.json()["code"] == "USER_NOT_FOUND"
    token = (
        await client.post("/api/auth/login", json={"email": "pw@example.org", "password": PASSWORD})
    ).json()
    token = token["session"]["token"]
    await client.post("/api/auth/login", json={"email": "admin@example.org", "password": PASSWORD})
    sessions = await client.get(f"/api/users/{user['_id']}/sessions")
    assert len(sessions.json()["documents"]) == 1
    short = await client.put(f"/api/users/{user['_id']}/password", json={"password": "short"})
    assert short.status_code == 400
    done = await client.put(
        f"/api/users/{user['_id']}/password", json={"password": "a new long password"}
    )
    assert done.status_code == 200
    assert (
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    assert (await client.get(f"/api/users/{user['_id']}/sessions")).json()["documents"] == []
    revoke = await client.post(f"/api/users/{user['_id']}/sessions/revoke")
    assert revoke.json() == {"success": True}


async def test_self_patch_through_me(client: Client, store: Store) -> None:
    await store.add_user("self@example.org", role="staff")
    await client.post("/api/auth/login", json={"email": "self@example.org", "password": PASSWORD})
    ok = await client.patch("/api/auth/me", json={"name": "New Name", "phone": "+90 1"})
    assert ok.status_code == 200 and ok.json()["name"] == "New Name"
    for forbidden in (
        {"role": "admin"},
        {"permissions": ["users:manage"]},
        {"isActive": False},
        {"email": "x@example.org"},
    ):
        assert (await client.patch("/api/auth/me", json=forbidden)).status_code == 400


async def test_list_filters_order_and_cursors(client: Client, admin: dict[str, Any]) -> None:
    ids = []
    for n in range(7):
        fields = {
            "email": f"u{n}@example.org",
            "name": f"User {n}",
            "role": "editor" if n % 2 else "staff",
            "labels": ["a"] if n < 3 else ["b"],
            "phone": "+90 555" if n == 4 else None,
            "isActive": n != 6,
        }
        ids.append(
            (await create(client, **{k: v for k, v in fields.items() if v is not None})).json()[
                "_id"
            ]
        )
    page = (await client.get("/api/users", params={"limit": 3})).json()
    assert page["total"] == 8 and not page["isDone"] and len(page["documents"]) == 3
    assert page["documents"][0]["_id"] == admin["_id"]
    second = (
        await client.get("/api/users", params={"limit": 3, "cursor": page["continueCursor"]})
    ).json()
    assert [d["_id"] for d in second["documents"]] == ids[2:5] and second["total"] == 8
    desc = (await client.get("/api/users", params={"order": "desc", "limit": 2})).json()
    assert [d["_id"] for d in desc["documents"]] == [ids[6], ids[5]]
    editors = (await client.get("/api/users", params={"role": "editor"})).json()
    assert [d["_id"] for d in editors["documents"]] == [ids[1], ids[3], ids[5]]
    assert editors["isDone"] and editors["total"] == 3
    active_staff = (
        await client.get("/api/users", params={"role": "staff", "isActive": "false"})
    ).json()
    assert [d["_id"] for d in active_staff["documents"]] == [ids[6]]
    labelled = (await client.get("/api/users", params={"labels": "a"})).json()
    assert [d["_id"] for d in labelled["documents"]] == ids[:3] and labelled["total"] == 3
    inactive = (await client.get("/api/users", params={"isActive": "false"})).json()
    assert inactive["total"] == 1
    nobody = (await client.get("/api/users", params={"role": "nobody"})).json()
    assert nobody == {"documents": [], "continueCursor": "", "isDone": True, "total": 0}
    phoned = (await client.get("/api/users", params={"phone": "+90 555"})).json()
    assert [d["_id"] for d in phoned["documents"]] == [ids[4]]
    by_mail = (await client.get("/api/users", params={"email": "U3@example.org"})).json()
    assert [d["_id"] for d in by_mail["documents"]] == [ids[3]]
    no_total = (await client.get("/api/users", params={"withTotal": "false"})).json()
    assert "total" not in no_total
    foreign = await client.get(
        "/api/users", params={"role": "staff", "cursor": page["continueCursor"]}
    )
    assert foreign.status_code == 400 and foreign.json()["code"] == "INVALID_CURSOR"
    forged = await client.get("/api/users", params={"cursor": "x" + page["continueCursor"]})
    assert forged.json()["code"] == "INVALID_CURSOR"
    for bad in (
        {"limit": 0},
        {"limit": 101},
        {"order": "sideways"},
        {"isActive": "maybe"},
        {"labels": "bad label"},
    ):
        response = await client.get("/api/users", params=bad)
        assert response.status_code == 400, bad
        assert response.json()["code"] == "VALIDATION_ERROR"


async def test_audit_logs_and_security_events_queries(
    client: Client, admin: dict[str, Any]
) -> None:
    user = (await create(client)).json()
    await client.patch(f"/api/users/{user['_id']}", json={"role": "editor"})
    await client.delete(f"/api/users/{user['_id']}")
    logs = (
        await client.get(
            "/api/audit-logs", params={"resource": "users", "resource_id": user["_id"]}
        )
    ).json()
    assert [d["action"] for d in logs["documents"]] == ["DELETE", "UPDATE", "CREATE"]
    page = (
        await client.get("/api/audit-logs", params={"user_id": admin["_id"], "limit": 1})
    ).json()
    assert len(page["documents"]) == 1 and not page["isDone"]
    rest = (
        await client.get(
            "/api/audit-logs",
            params={"user_id": admin["_id"], "limit": 1, "cursor": page["continueCursor"]},
        )
    ).json()
    assert rest["documents"][0]["_id"] != page["documents"][0]["_id"]
    only_create = (await client.get("/api/audit-logs", params={"action": "CREATE"})).json()
    assert len(only_create["documents"]) == 1
    events = (
        await client.get("/api/security-events", params={"event_type": "user_deactivated"})
    ).json()
    assert [e["user_id"] for e in events["documents"]] == [user["_id"]]
    high = (await client.get("/api/security-events", params={"severity": "high"})).json()
    assert all(e["severity"] == "high" for e in high["documents"]) and high["documents"]
    bad = await client.get("/api/security-events", params={"severity": "apocalyptic"})
    assert bad.status_code == 400


# --- concurrency, against the real HTTP server in its own process --------------------


@pytest.fixture
async def live(engine: Any, database_name: str) -> AsyncIterator[httpx.AsyncClient]:
    """The service as production runs it, with a signed-in admin."""
    env = cheap_service_env()
    with running_service(engine.url, database_name, **env) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            await sign_in_as_root(http)
            yield http
    cleanup = Store(Settings(mongodb_url=engine.url, database=database_name))
    await cleanup.client.drop_database(database_name)
    await cleanup.close()


async def test_concurrent_creates_of_one_email(live: httpx.AsyncClient) -> None:
    body = {"name": "Race", "email": "race@example.org", "role": "staff"}
    responses = await asyncio.gather(*(live.post("/api/users", json=body) for _ in range(20)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19


async def test_concurrent_patches_lose_nothing(live: httpx.AsyncClient) -> None:
    user = (
        await live.post(
            "/api/users", json={"name": "Patchy", "email": "p@example.org", "role": "staff"}
        )
    ).json()
    patches = [
        {"name": "Patched Name"},
        {"email": "patched@example.org"},
        {"role": "editor"},
        {"permissions": ["reports:read"]},
        {"phone": "+90 555 999 88 77"},
        {"avatar": "https://example.org/a.png"},
        {"labels": ["patched"]},
        {"two_factor_enabled": True},
    ]
    responses = await asyncio.gather(
        *(live.patch(f"/api/users/{user['_id']}", json=patch) for patch in patches)
    )
    assert [r.status_code for r in responses] == [200] * len(patches)
    final = (await live.get(f"/api/users/{user['_id']}")).json()
    for patch in patches:
        for field, value in patch.items():
            assert final[field] == value, field


async def test_paginated_walk_with_concurrent_inserts(
    live: httpx.AsyncClient, engine: Any, database_name: str
) -> None:
    """1,000 users walked in pages of 100 while new users are created: every
    pre-existing user is seen exactly once."""
    store = Store(Settings(mongodb_url=engine.url, database=database_name))
    try:
        existing = {(await live.get("/api/users")).json()["documents"][0]["_id"]}
        base = 1_700_000_000_000.0
        for batch in range(5):
            documents = [
                {
                    "_id": f"{batch:04x}{n:020x}",
                    "_creationTime": base + batch * 1000 + n,
                    "name": f"Seed {batch}-{n}",
                    "email": f"seed{batch}-{n}@example.org",
                    "role": "staff",
                    "permissions": [],
                    "isActive": True,
                    "searchTokens": [],
                }
                for n in range(200)
            ]
            await store.db.users.insert_many(documents)
            existing.update(d["_id"] for d in documents)
    finally:
        await store.close()
    seen: list[str] = []
    cursor: str | None = None
    inserted = 0
    while True:
        params: dict[str, Any] = {"limit": 100, "withTotal": "false"}
        if cursor:
            params["cursor"] = cursor
        page, _ = await asyncio.gather(
            live.get("/api/users", params=params),
            live.post(
                "/api/users",
                json={"name": "Late", "email": f"late{inserted}@example.org", "role": "staff"},
            ),
        )
        inserted += 1
        body = page.json()
        seen.extend(d["_id"] for d in body["documents"])
        cursor = body["continueCursor"]
        if body["isDone"]:
            break
    pre_existing = [doc_id for doc_id in seen if doc_id in existing]
    assert sorted(pre_existing) == sorted(existing)
    assert len(pre_existing) == len(set(pre_existing)) == 1001


async def test_query_parameters_are_validated(client: Client, admin: dict[str, Any]) -> None:
    for params in (
        {"search": "x" * 201},
        {"role": "r" * 65},
        {"email": "e" * 300},
        {"phone": "not a phone"},
        {"cursor": "c" * 3000},
    ):
        response = await client.get("/api/users", params=params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "VALIDATION_ERROR"
    for params in ({"user_id": "bad id!"}, {"action": "x" * 65}, {"limit": 0}):
        response = await client.get("/api/audit-logs", params=params)
        assert response.status_code == 400, params
    too_long = await client.get(f"/api/users/{'a' * 65}")
    assert too_long.status_code == 400
