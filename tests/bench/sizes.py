"""``scripts/bench sizes``: the BSON size of each collection's documents as
the service writes them (the per-day growth figures of docs/scaling.md).

The service runs as production runs it (``python -m app``, default argon2
parameters so the stored hash has its real length) on its own nx-27017
engine (or ``APP_MONGODB_URL``); a browser-like client logs in, creates a
user with an Idempotency-Key, patches it, fails one login and logs out.
Every stored document is then read back raw and encoded with ``bson``.
Index entries are not counted (no engine here reports them like MongoDB).
"""

from __future__ import annotations

import secrets
import statistics
import tempfile
from pathlib import Path

import bson
import httpx
from pymongo import MongoClient

from tests.bench.procs import database_server
from tests.support.processes import (
    free_port,
    service_environment,
    start_service,
    stop_process,
    wait_ready,
)

ADMIN = ("ops.admin@example.com", "Correct-horse-battery-9")
# A current desktop Chrome user agent (≈110 bytes; sessions and events keep it).
AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
COLLECTIONS = (
    "users",
    "sessions",
    "security_events",
    "audit_logs",
    "login_counters",
    "idempotency_keys",
)


def _drive(base: str) -> None:
    with httpx.Client(base_url=base, headers={"User-Agent": AGENT}, timeout=60) as http:
        login = http.post("/api/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        login.raise_for_status()
        token = login.json()["session"]["token"]
        auth = {"Authorization": f"Bearer {token}"}
        created = http.post(
            "/api/users",
            headers={**auth, "Idempotency-Key": secrets.token_hex(16)},
            json={
                "name": "Ayşe Yılmaz",
                "email": "ayse.yilmaz@example.com",
                "role": "editor",
                "permissions": ["users:read"],
                "phone": "+90 532 123 45 67",
                "labels": ["istanbul"],
                "password": "Another-correct-horse-7",
            },
        )
        created.raise_for_status()
        user_id = created.json()["_id"]
        http.patch(
            f"/api/users/{user_id}", headers=auth, json={"name": "Ayşe Yılmaz Demir"}
        ).raise_for_status()
        failed = http.post(
            "/api/auth/login", json={"email": "ayse.yilmaz@example.com", "password": "wrong-one-1"}
        )
        assert failed.status_code == 401, failed.text
        http.post("/api/auth/logout", headers=auth).raise_for_status()


def _label(doc: dict[str, object]) -> str:
    """What kind of document it is (events and logs differ in size by kind)."""
    for field in ("event_type", "action", "kind", "email"):
        if isinstance(doc.get(field), str):
            return str(doc[field])
    return ""


def measure() -> dict[str, list[tuple[str, int]]]:
    database = f"sizes_{secrets.token_hex(4)}"
    with database_server() as (url, _engine), tempfile.TemporaryDirectory() as temp:
        port = free_port()
        env = service_environment(
            url,
            database,
            port,
            APP_BOOTSTRAP_ADMIN_EMAIL=ADMIN[0],
            APP_BOOTSTRAP_ADMIN_PASSWORD=ADMIN[1],
        )
        log = Path(temp) / "service.log"
        process = start_service(env, log_file=log)
        try:
            wait_ready(port, process, timeout=60, log_file=log)
            _drive(f"http://127.0.0.1:{port}")
        finally:
            stop_process(process)
        with MongoClient(url) as client:
            db = client[database]
            sizes = {
                name: [(_label(doc), len(bson.encode(doc))) for doc in db[name].find({})]
                for name in COLLECTIONS
            }
            client.drop_database(database)
    return sizes


def main(argv: list[str] | None = None) -> int:
    del argv
    sizes = measure()
    print(f"{'collection':<18} {'docs':>4} {'min':>5} {'median':>7} {'max':>5}  (BSON bytes)")
    for name, labelled in sizes.items():
        values = [size for _label_, size in labelled]
        if values:
            print(
                f"{name:<18} {len(values):>4} {min(values):>5}"
                f" {statistics.median(values):>7.0f} {max(values):>5}"
            )
        else:
            print(f"{name:<18} {0:>4}")
    print()
    for name, labelled in sizes.items():
        print(f"{name}: " + ", ".join(f"{label} {size}" for label, size in sorted(labelled)))
    return 0
