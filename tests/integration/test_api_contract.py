"""The published contract as the real server (``python -m app``) serves it:
the document it hands out, the Allow header of OPTIONS, and answers that
match the document's shapes (the login, a session page, an error)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.helpers import (
    DEFAULT_PASSWORD,
    ROOT_EMAIL,
    cheap_service_env,
    running_service,
)

ANY_ID = "j57020g30g2gc1r81450p30d1s7v8jxm"


async def test_the_running_server_serves_its_contract(engine: Any, database_name: str) -> None:
    with running_service(engine.url, database_name, **cheap_service_env()) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            document = (await http.get("/schema/openapi.json")).json()
            # OPTIONS lists every method of the path, not one controller's.
            for path, methods in (
                ("/api/users", "GET, OPTIONS, POST"),
                (f"/api/users/{ANY_ID}", "DELETE, GET, OPTIONS, PATCH"),
                ("/api/auth/me", "GET, OPTIONS, PATCH"),
                (f"/api/users/{ANY_ID}/lockout", "DELETE, GET, OPTIONS"),
            ):
                answer = await http.options(path)
                assert answer.status_code == 204 and answer.headers["allow"] == methods, path
                template = path.replace(ANY_ID, "{id}")
                declared = {m.upper() for m in document["paths"][template]}
                assert set(methods.split(", ")) - {"OPTIONS"} == declared, path

            login = await http.post(
                "/api/auth/login", json={"email": ROOT_EMAIL, "password": DEFAULT_PASSWORD}
            )
            assert login.status_code == 200
            assert set(login.json()) == {"user", "session"}
            assert set(login.json()["session"]) == {"sessionId", "token", "expiresAt"}
            login_schema = document["components"]["schemas"]["SessionTokenOut"]
            assert set(login_schema["required"]) == set(login.json()["session"])

            page = (await http.get("/api/auth/sessions", params={"limit": 1})).json()
            assert set(page) == {"documents", "continueCursor", "isDone"}
            assert set(page["documents"][0]) >= {"sessionId", "expiresAt", "lastActiveAt"}

            missing = await http.get(f"/api/users/{ANY_ID}")
            assert missing.status_code == 404
            assert "404" in document["paths"]["/api/users/{id}"]["get"]["responses"]
            assert set(missing.json()) == {"success", "code", "error"}
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as stranger:
                assert (await stranger.get("/api/auth/me")).status_code == 401
            assert document["paths"]["/api/auth/me"]["get"]["security"] == [
                {"sessionCookie": []},
                {"bearerSession": []},
            ]
