"""A hung database (engine stopped with SIGSTOP) against the running server (PROBE D5):
every request answers 503 within its deadline, /ready within its own, and the
service recovers after SIGCONT."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import httpx

from tests.engines import NxEngine
from tests.integration.helpers import running_service

SERVICE_TOKEN = "hung-db-service-token-" + "s" * 32
ADMIN_EMAIL, ADMIN_PASSWORD = "root@example.org", "root password 1"
REQUEST_TIMEOUT, READY_TIMEOUT = 2.0, 1.0
# Generous on a loaded 2-core machine; the old behaviour took 10-15 s.
MARGIN = 1.5


async def timed(http: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> tuple:
    started = time.monotonic()
    response = await http.request(method, path, **kwargs)
    return path, response, time.monotonic() - started


def test_requests_during_a_hung_database_answer_503_in_time() -> None:
    engine = NxEngine()
    engine.start()
    try:
        with running_service(
            engine.url,
            "hung",
            APP_REQUEST_TIMEOUT_MS=str(int(REQUEST_TIMEOUT * 1000)),
            APP_READY_TIMEOUT_MS=str(int(READY_TIMEOUT * 1000)),
            APP_SERVICE_TOKENS=f"svc:{SERVICE_TOKEN}",
            APP_BOOTSTRAP_ADMIN_EMAIL=ADMIN_EMAIL,
            APP_BOOTSTRAP_ADMIN_PASSWORD=ADMIN_PASSWORD,
        ) as base:
            asyncio.run(outage_and_recovery(base, engine))
    finally:
        if engine.pid is not None:
            os.kill(engine.pid, signal.SIGCONT)
        engine.close()


async def outage_and_recovery(base: str, engine: NxEngine) -> None:
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        login = await http.post(
            "/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200
        admin = {"Authorization": f"Bearer {login.json()['session']['token']}"}
        user_id = login.json()["user"]["_id"]
        new_user = {"name": "New", "email": "new@example.org", "role": "staff"}

        assert engine.pid is not None
        os.kill(engine.pid, signal.SIGSTOP)
        try:
            # Two waves: at once, and after the driver has had time to notice.
            results = []
            for _ in range(2):
                results += await asyncio.gather(
                    timed(http, "GET", "/ready"),
                    timed(http, "GET", "/health"),
                    timed(http, "GET", f"/api/users/{user_id}", headers=service),
                    timed(http, "GET", "/api/users", headers=admin),
                    timed(http, "GET", "/api/auth/me", headers=admin),
                    timed(http, "POST", "/api/users", json=new_user, headers=admin),
                    timed(
                        http,
                        "POST",
                        "/api/auth/login",
                        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                    ),
                )
        finally:
            os.kill(engine.pid, signal.SIGCONT)

        for path, response, elapsed in results:
            print(f"during the stop: {path} -> {response.status_code} in {elapsed:.2f} s")
        for path, response, elapsed in results:
            if path == "/health":
                assert response.status_code == 200
                continue
            assert response.status_code == 503, (path, response.text)
            assert response.json()["code"] == "DATABASE_UNAVAILABLE"
            assert int(response.headers["retry-after"]) >= 1
            limit = READY_TIMEOUT if path == "/ready" else REQUEST_TIMEOUT
            assert elapsed < limit + MARGIN, (path, elapsed)

        # Recovery after SIGCONT, without a restart.
        started = time.monotonic()
        while (await http.get("/ready")).status_code != 200:
            assert time.monotonic() - started < 20, "no recovery after SIGCONT"
            await asyncio.sleep(0.1)
        print(f"/ready 200 again {time.monotonic() - started:.2f} s after SIGCONT")
        assert (await http.get(f"/api/users/{user_id}", headers=service)).status_code == 200
        again = await http.post(
            "/api/users", json={**new_user, "email": "n2@example.org"}, headers=admin
        )
        assert again.status_code == 201
