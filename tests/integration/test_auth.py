"""Authentication and access control against real wire servers."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import bcrypt
import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.logs import JsonFormatter
from tests.conftest import SERVICE_TOKEN, make_settings
from tests.integration.helpers import Store, running_service

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"


async def login(
    client: Client, email: str, password: str = PASSWORD, **extra: Any
) -> httpx.Response:
    return await client.post(
        "/api/auth/login", json={"email": email, "password": password, **extra}
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_login_succeeds_and_sets_the_session_cookie(client: Client, store: Store) -> None:
    user = await store.add_user("ayse@example.org")
    response = await login(client, "  AYSE@Example.org ")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "session"}
    assert body["user"]["_id"] == user["_id"]
    assert "passwordHash" not in body["user"]
    session = body["session"]
    assert set(session) == {"sessionId", "token", "expiresAt"}
    assert len(session["token"]) >= 43 and session["sessionId"] != session["token"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"auth-session={session['token']}")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax", "Max-Age=86400"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # APP_COOKIE_SECURE=false in tests
    stored = await store.user(user["_id"])
    assert stored is not None and stored["lastLogin"].endswith("Z")
    stored_session = await store.db.sessions.find_one({"session_id": session["sessionId"]})
    assert stored_session is not None and session["token"] not in str(stored_session)
    assert [e["user_id"] for e in await store.events("login_success")] == [user["_id"]]


async def test_remember_me_lasts_thirty_days(client: Client, store: Store) -> None:
    await store.add_user("remember@example.org")
    response = await login(client, "remember@example.org", rememberMe=True)
    assert "max-age=2592000" in response.headers["set-cookie"].lower()


async def test_secure_cookie_by_default(engine: Any, database_name: str) -> None:
    app = create_app(make_settings(engine.url, database_name, cookie_secure=True))
    async with AsyncTestClient(app) as client:
        store = Store(make_settings(engine.url, database_name))
        await store.add_user("secure@example.org")
        response = await login(client, "secure@example.org")
        assert "secure" in response.headers["set-cookie"].lower()
        await store.db.client.drop_database(database_name)
        await store.close()


@pytest.mark.parametrize(
    "body",
    [
        {"password": PASSWORD},
        {"email": "a@example.org"},
        {"email": {"$ne": None}, "password": PASSWORD},
        {"email": "a@example.org", "password": {"$ne": None}},
        {"email": "a@example.org", "password": 12345},
        {"email": "a@example.org", "password": PASSWORD, "admin": True},
    ],
)
async def test_login_rejects_malformed_bodies(client: Client, body: dict[str, Any]) -> None:
    response = await client.post("/api/auth/login", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.json()["success"] is False


async def test_bad_json_and_oversized_bodies(client: Client) -> None:
    response = await client.post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    big = {"email": "a@example.org", "password": "x" * 70_000}
    response = await client.post("/api/auth/login", json=big)
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"


async def test_overlong_password_is_rejected_before_hashing(client: Client) -> None:
    response = await login(client, "a@example.org", "p" * 1025)
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "password"


async def test_unknown_email_and_wrong_password_answer_alike(client: Client, store: Store) -> None:
    await store.add_user("known@example.org")
    unknown = await login(client, "nobody@example.org", "wrong password")
    wrong = await login(client, "known@example.org", "wrong password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert wrong.json()["code"] == "INVALID_CREDENTIALS"
    assert wrong.json()["details"] == {"remainingAttempts": 4}
    failures = await store.events("login_failure")
    assert len(failures) == 2 and all(e["severity"] == "medium" for e in failures)


async def test_inactive_account_is_told_only_after_a_correct_password(
    client: Client, store: Store
) -> None:
    await store.add_user("gone@example.org", isActive=False)
    wrong = await login(client, "gone@example.org", "wrong password")
    assert wrong.status_code == 401 and wrong.json()["code"] == "INVALID_CREDENTIALS"
    right = await login(client, "gone@example.org")
    assert right.status_code == 403 and right.json()["code"] == "ACCOUNT_INACTIVE"
    assert await store.db.sessions.count_documents({}) == 0


async def test_lockout_after_five_failures(client: Client, store: Store) -> None:
    user = await store.add_user("lock@example.org")
    remaining = []
    for _ in range(5):
        response = await login(client, "lock@example.org", "wrong password")
        assert response.status_code == 401
        remaining.append(response.json()["details"]["remainingAttempts"])
    assert remaining == [4, 3, 2, 1, 0]
    locked = await login(client, "lock@example.org")  # even the right password
    assert locked.status_code == 429
    assert locked.json()["code"] == "ACCOUNT_LOCKED"
    assert 1790 <= int(locked.headers["retry-after"]) <= 1800
    events = await store.events("account_locked")
    assert [e["user_id"] for e in events] == [user["_id"]] and events[0]["severity"] == "high"


async def test_unknown_accounts_lock_the_same_way(client: Client) -> None:
    for _ in range(5):
        assert (await login(client, "ghost@example.org", "x")).status_code == 401
    assert (await login(client, "ghost@example.org", "x")).json()["code"] == "ACCOUNT_LOCKED"


async def test_success_clears_the_failures(client: Client, store: Store) -> None:
    await store.add_user("clear@example.org")
    for _ in range(4):
        await login(client, "clear@example.org", "wrong password")
    assert (await login(client, "clear@example.org")).status_code == 200
    again = await login(client, "clear@example.org", "wrong password")
    assert again.json()["details"]["remainingAttempts"] == 4


async def test_expired_lockout_lets_the_account_in(client: Client, store: Store) -> None:
    await store.add_user("later@example.org")
    for _ in range(5):
        await login(client, "later@example.org", "wrong password")
    past = (time.time() - 31 * 60) * 1000
    await store.db.login_counters.update_many(
        {"email": "later@example.org"},
        {"$set": {"locked_until": past, "window_start": past - 60_000}},
    )
    assert (await login(client, "later@example.org")).status_code == 200


async def test_per_ip_rate_limit_across_accounts(engine: Any, database_name: str) -> None:
    app = create_app(make_settings(engine.url, database_name, ip_max_failures=3))
    async with AsyncTestClient(app) as client:
        for n in range(3):
            assert (await login(client, f"spray{n}@example.org", "x")).status_code == 401
        limited = await login(client, "spray9@example.org", "x")
        assert limited.status_code == 429
        assert limited.json()["code"] == "RATE_LIMITED"
        assert int(limited.headers["retry-after"]) > 0
        store = Store(make_settings(engine.url, database_name))
        await store.client.drop_database(database_name)
        await store.close()


async def test_lockout_is_shared_by_two_instances(engine: Any, database_name: str) -> None:
    settings = make_settings(engine.url, database_name)
    first, second = create_app(settings), create_app(settings)
    store = Store(settings)
    try:
        async with AsyncTestClient(first) as one, AsyncTestClient(second) as two:
            await store.add_user("shared@example.org")
            for client in (one, two, one, two, one):
                assert (await login(client, "shared@example.org", "bad")).status_code == 401
            assert (await login(two, "shared@example.org")).json()["code"] == "ACCOUNT_LOCKED"
            assert (await login(one, "shared@example.org")).json()["code"] == "ACCOUNT_LOCKED"
    finally:
        await store.client.drop_database(database_name)
        await store.close()


@pytest.mark.parametrize("prefix", ["$2b$", "$2a$"])
async def test_legacy_bcrypt_hash_is_upgraded_to_argon2id(
    client: Client, store: Store, prefix: str
) -> None:
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(12, prefix=prefix[1:3].encode()))
    assert legacy.decode().startswith(prefix)
    user = await store.add_user("legacy@example.org", password_hash=legacy.decode())
    assert (await login(client, "legacy@example.org", "wrong password")).status_code == 401
    assert (await login(client, "legacy@example.org")).status_code == 200
    stored = await store.user(user["_id"])
    assert stored is not None and stored["passwordHash"].startswith("$argon2id$")
    assert (await login(client, "legacy@example.org")).status_code == 200


async def test_legacy_bcrypt_checks_the_first_72_bytes(client: Client, store: Store) -> None:
    long_password = "a" * 72 + "tail that bcrypt never saw"
    legacy = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(4)).decode()
    user = await store.add_user("long@example.org", password_hash=legacy)
    assert (await login(client, "long@example.org", long_password)).status_code == 200
    stored = await store.user(user["_id"])
    assert stored is not None and stored["passwordHash"].startswith("$argon2id$")
    # From now on the whole password counts.
    assert (await login(client, "long@example.org", "a" * 72)).status_code == 401


async def test_outdated_argon2_parameters_are_rehashed(client: Client, store: Store) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    user = await store.add_user("weak@example.org", password_hash=weak)
    assert (await login(client, "weak@example.org")).status_code == 200
    stored = await store.user(user["_id"])
    assert stored is not None and stored["passwordHash"] != weak
    assert "m=1024" in stored["passwordHash"]


async def test_me_with_cookie_and_bearer(client: Client, store: Store) -> None:
    user = await store.add_user("me@example.org", phone="+90 555 111 22 33")
    token = (await login(client, "me@example.org")).json()["session"]["token"]
    with_cookie = await client.get("/api/auth/me")
    assert with_cookie.status_code == 200 and with_cookie.json()["_id"] == user["_id"]
    assert "passwordHash" not in with_cookie.json()
    client.cookies.clear()
    assert (await client.get("/api/auth/me")).status_code == 401
    with_bearer = await client.get("/api/auth/me", headers=bearer(token))
    assert with_bearer.status_code == 200 and with_bearer.json()["email"] == "me@example.org"
    assert (await client.get("/api/auth/me", headers=bearer("forged" * 8))).json()[
        "code"
    ] == "UNAUTHENTICATED"


async def test_logout_revokes_the_session(client: Client, store: Store) -> None:
    await store.add_user("out@example.org")
    token = (await login(client, "out@example.org")).json()["session"]["token"]
    response = await client.post("/api/auth/logout")
    assert response.status_code == 200
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert (await client.get("/api/auth/me", headers=bearer(token))).status_code == 401
    assert len(await store.events("logout")) == 1


async def test_expired_session_is_refused(client: Client, store: Store) -> None:
    await store.add_user("expired@example.org")
    session = (await login(client, "expired@example.org")).json()["session"]
    await store.db.sessions.update_one(
        {"session_id": session["sessionId"]},
        {"$set": {"expires_at": (time.time() - 1) * 1000}},
    )
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_deactivation_kills_live_sessions(client: Client, store: Store) -> None:
    user = await store.add_user("deact@example.org")
    await login(client, "deact@example.org")
    assert (await client.get("/api/auth/me")).status_code == 200
    await store.db.users.update_one({"_id": user["_id"]}, {"$set": {"isActive": False}})
    assert (await client.get("/api/auth/me")).status_code == 401
    await store.db.users.update_one({"_id": user["_id"]}, {"$set": {"isActive": True}})
    await store.db.users.delete_one({"_id": user["_id"]})
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_last_activity_is_refreshed_at_most_once_a_minute(
    client: Client, store: Store
) -> None:
    await store.add_user("touch@example.org")
    session_id = (await login(client, "touch@example.org")).json()["session"]["sessionId"]
    first = (await store.db.sessions.find_one({"session_id": session_id}))["last_activity"]
    await client.get("/api/auth/me")
    assert (await store.db.sessions.find_one({"session_id": session_id}))["last_activity"] == first
    old = (time.time() - 120) * 1000
    await store.db.sessions.update_one({"session_id": session_id}, {"$set": {"last_activity": old}})
    await client.get("/api/auth/me")
    refreshed = (await store.db.sessions.find_one({"session_id": session_id}))["last_activity"]
    assert refreshed > old + 60_000


async def test_sessions_list_and_revoke(client: Client, store: Store) -> None:
    await store.add_user("multi@example.org")
    other = (await login(client, "multi@example.org")).json()["session"]
    current = (await login(client, "multi@example.org")).json()["session"]
    page = (await client.get("/api/auth/sessions")).json()
    assert set(page) == {"documents", "continueCursor", "isDone"} and page["isDone"] is True
    listed = page["documents"]
    assert {s["sessionId"] for s in listed} == {other["sessionId"], current["sessionId"]}
    assert [s["current"] for s in listed if s["sessionId"] == current["sessionId"]] == [True]
    assert all("token" not in str(s).lower() for s in listed)
    revoked = await client.delete(f"/api/auth/sessions/{other['sessionId']}")
    assert revoked.status_code == 200
    assert (await client.get("/api/auth/me", headers=bearer(other["token"]))).status_code == 401
    assert (await client.get("/api/auth/me")).status_code == 200
    missing = await client.delete(f"/api/auth/sessions/{other['sessionId']}")
    assert missing.status_code == 404 and missing.json()["code"] == "SESSION_NOT_FOUND"
    assert (await client.delete("/api/auth/sessions/bad$id")).status_code in (400, 404)
    assert len(await store.events("session_revoked")) == 1


async def test_session_lists_are_cursor_pages_newest_first(client: Client, store: Store) -> None:
    user = await store.add_user("pages@example.org")
    await store.add_user("admin@example.org", role="admin", permissions=["users:manage"])
    made = [(await login(client, "pages@example.org")).json()["session"] for _ in range(5)]
    expected = [session["sessionId"] for session in reversed(made)]
    walked, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/auth/sessions", params=query)).json()
        walked += [session["sessionId"] for session in page["documents"]]
        cursor, pages = page["continueCursor"], pages + 1
        if page["isDone"]:
            break
    assert walked == expected and pages == 3
    assert (await client.get("/api/auth/sessions", params={"limit": 0})).status_code == 400
    forged = await client.get("/api/auth/sessions", params={"cursor": "abc.def"})
    assert forged.status_code == 400 and forged.json()["code"] == "INVALID_CURSOR"
    await login(client, "admin@example.org")
    first = await client.get(f"/api/users/{user['_id']}/sessions", params={"limit": 3})
    assert first.status_code == 200
    assert [s["sessionId"] for s in first.json()["documents"]] == expected[:3]
    rest = await client.get(
        f"/api/users/{user['_id']}/sessions", params={"cursor": first.json()["continueCursor"]}
    )
    assert [s["sessionId"] for s in rest.json()["documents"]] == expected[3:]
    assert rest.json()["isDone"] is True


async def test_a_user_cannot_revoke_another_users_session(client: Client, store: Store) -> None:
    await store.add_user("victim@example.org")
    await store.add_user("attacker@example.org")
    victim = (await login(client, "victim@example.org")).json()["session"]
    await login(client, "attacker@example.org")
    response = await client.delete(f"/api/auth/sessions/{victim['sessionId']}")
    assert response.status_code == 404
    assert (await client.get("/api/auth/me", headers=bearer(victim["token"]))).status_code == 200


async def test_password_change_revokes_the_other_sessions(client: Client, store: Store) -> None:
    user = await store.add_user("change@example.org")
    other = (await login(client, "change@example.org")).json()["session"]
    await login(client, "change@example.org")
    wrong = await client.post(
        "/api/auth/password", json={"currentPassword": "nope", "newPassword": "new secret 123"}
    )
    # Not 401: a frontend would take a typo for an expired session.
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "INVALID_CURRENT_PASSWORD"
    assert wrong.json()["details"][0]["field"] == "currentPassword"
    changed = await client.post(
        "/api/auth/password",
        json={"currentPassword": PASSWORD, "newPassword": "new secret 123"},
    )
    assert changed.status_code == 200
    assert (await client.get("/api/auth/me")).status_code == 200
    assert (await client.get("/api/auth/me", headers=bearer(other["token"]))).status_code == 401
    client.cookies.clear()
    assert (await login(client, "change@example.org")).status_code == 401
    assert (await login(client, "change@example.org", "new secret 123")).status_code == 200
    assert len(await store.events("password_change")) == 1
    audit = await store.db.audit_logs.find({"resource_id": user["_id"]}).to_list()
    assert audit[0]["changes"] == {"passwordHash": {"from": "[redacted]", "to": "[redacted]"}}


async def test_service_token_verifies_passwords(client: Client, store: Store) -> None:
    user = await store.add_user("svc@example.org")
    ok = await client.post(
        "/api/internal/auth/verify",
        json={"email": "svc@example.org", "password": PASSWORD},
        headers=bearer(SERVICE_TOKEN),
    )
    assert ok.status_code == 200 and ok.json()["_id"] == user["_id"]
    assert "passwordHash" not in ok.json()
    bad = await client.post(
        "/api/internal/auth/verify",
        json={"email": "svc@example.org", "password": "nope"},
        headers=bearer(SERVICE_TOKEN),
    )
    assert bad.status_code == 401 and bad.json()["code"] == "INVALID_CREDENTIALS"
    anonymous = await client.post(
        "/api/internal/auth/verify", json={"email": "svc@example.org", "password": PASSWORD}
    )
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "UNAUTHENTICATED"


async def test_users_cannot_call_internal_routes(client: Client, store: Store) -> None:
    user = await store.add_user("plain@example.org")
    await login(client, "plain@example.org")
    denied = await client.post(
        "/api/internal/auth/verify", json={"email": "plain@example.org", "password": PASSWORD}
    )
    assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN"
    events = await store.events("permission_denied")
    assert [e["user_id"] for e in events] == [user["_id"]]
    assert events[0]["details"]["needed"] == "auth:verify"


async def test_services_cannot_use_user_routes(client: Client) -> None:
    response = await client.get("/api/auth/me", headers=bearer(SERVICE_TOKEN))
    assert response.status_code == 403


async def test_bootstrap_admin_is_created_once(engine: Any, database_name: str) -> None:
    settings = make_settings(
        engine.url,
        database_name,
        bootstrap_admin_email="Root@Example.org",
        bootstrap_admin_password="bootstrap password",
    )
    for _ in range(2):
        async with AsyncTestClient(create_app(settings)) as client:
            response = await login(client, "root@example.org", "bootstrap password")
            assert response.status_code == 200
            assert response.json()["user"]["permissions"] == ["users:manage"]
    store = Store(settings)
    assert await store.db.users.count_documents({}) == 1
    await store.client.drop_database(database_name)
    await store.close()


async def test_me_is_not_stalled_by_concurrent_logins(
    engine: Any, database_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two logins with the production argon2id parameters run while `me` is polled,
    against the real HTTP server in its own process.

    Reported, not asserted against a time: the assertion is that `me` kept
    answering while the hashes ran.
    """
    from argon2 import PasswordHasher

    settings = make_settings(engine.url, database_name)
    store = Store(settings)
    strong = PasswordHasher().hash(PASSWORD)  # production parameters: t=3, 64 MiB, p=4
    for n in range(3):
        await store.add_user(f"busy{n}@example.org", password_hash=strong)
    try:
        with running_service(engine.url, database_name) as base_url:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
                token = (
                    await http.post(
                        "/api/auth/login",
                        json={"email": "busy0@example.org", "password": PASSWORD},
                    )
                ).json()["session"]["token"]
                latencies: list[float] = []
                done = asyncio.Event()

                async def poll_me() -> None:
                    while not done.is_set():
                        started = time.perf_counter()
                        response = await http.get("/api/auth/me", headers=bearer(token))
                        assert response.status_code == 200
                        latencies.append(time.perf_counter() - started)

                async def logins() -> None:
                    await asyncio.sleep(0.05)
                    results = await asyncio.gather(
                        *(
                            http.post(
                                "/api/auth/login",
                                json={"email": f"busy{n}@example.org", "password": PASSWORD},
                            )
                            for n in (1, 2)
                        )
                    )
                    assert [r.status_code for r in results] == [200, 200]
                    done.set()

                started = time.perf_counter()
                await asyncio.gather(poll_me(), logins())
                elapsed = time.perf_counter() - started
        with capsys.disabled():
            print(
                f"\n[{engine.name}] 2 concurrent argon2id logins: {elapsed * 1000:.0f} ms; "
                f"{len(latencies)} `me` answered meanwhile, longest "
                f"{max(latencies) * 1000:.0f} ms"
            )
        assert len(latencies) >= 3
    finally:
        await store.client.drop_database(database_name)
        await store.close()


async def test_no_secret_ever_leaves_the_service(
    client: Client, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Exercise every auth path, then search every response, stored event,
    audit log and log line for the password, the hash and the raw tokens."""
    # Production log level for libraries, everything for the service itself.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="app")
    user = await store.add_user("leak@example.org")
    responses: list[httpx.Response] = []
    responses.append(await login(client, "leak@example.org", "wrong password"))
    responses.append(await login(client, "leak@example.org"))
    token = responses[-1].json()["session"]["token"]
    responses.append(await client.get("/api/auth/me"))
    responses.append(await client.get("/api/auth/sessions"))
    responses.append(
        await client.post(
            "/api/auth/password",
            json={"currentPassword": PASSWORD, "newPassword": "brand new secret"},
        )
    )
    responses.append(await client.post("/api/auth/logout"))
    responses.append(await login(client, "leak@example.org", "brand new secret"))
    second_token = responses[-1].json()["session"]["token"]
    responses.append(
        await client.post(
            "/api/internal/auth/verify",
            json={"email": "leak@example.org", "password": "brand new secret"},
            headers=bearer(SERVICE_TOKEN),
        )
    )
    stored = await store.user(user["_id"])
    assert stored is not None
    secrets = [
        PASSWORD,
        "brand new secret",
        user["passwordHash"],
        stored["passwordHash"],
        SERVICE_TOKEN,
    ]
    bodies = [r.text for r in responses[2:]] + [responses[0].text]
    for secret in secrets:
        for text in bodies:
            assert secret not in text
    events = await store.db.security_events.find({}).to_list()
    audits = await store.db.audit_logs.find({}).to_list()
    assert events and audits
    # The lines as production writes them, with every field given as extra=.
    json_lines = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    for secret in [*secrets, token, second_token]:
        assert secret not in str(events) and secret not in str(audits)
        assert secret not in caplog.text and secret not in json_lines
