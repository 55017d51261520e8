"""Schemathesis hooks of a fuzz run, loaded by its CLI (``SCHEMATHESIS_HOOKS``).

They authenticate every case as the run's identity (``FUZZ_IDENTITY``) and,
for the admin session, keep that identity alive. Schemathesis learns IDs from
responses (``GET /api/auth/me`` gives the admin's own ``_id``) and then
revokes the admin's sessions, resets its password, demotes it, changes its
email or logs out. Excluding those operations would leave the most dangerous
routes unfuzzed, so they stay in, and after every case that could have
changed the admin (a 2xx on a writing method) or that was refused (401/403)
the guard compares the admin's document with the snapshot taken at start,
restores it in the database (the run's own private engine) and logs in again
when the session died. A case sent with a dead session is counted as
``lost``; the run's test requires none (repairing only after a 401, as the
2026-11 probe did, let 16 of about 1,650 cases go out with a dead session).
The raw password and tokens stay in this process (schemathesis writes
``[Filtered]`` in its reports).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from pymongo import MongoClient
from pymongo.errors import DuplicateKeyError

from tests.fuzz.positive import idempotency_key, make_valid

WRITING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What makes the admin an admin that can log in; everything else may change.
GUARDED = ("email", "role", "permissions", "isActive", "passwordHash")


class AdminGuard:
    def __init__(self, environ: dict[str, str]) -> None:
        self.base_url = environ["FUZZ_BASE_URL"]
        self.email = environ["FUZZ_ADMIN_EMAIL"]
        self.password = environ["FUZZ_ADMIN_PASSWORD"]
        self.stats_path = Path(environ["FUZZ_STATS_PATH"])
        self.mongo: MongoClient[dict[str, Any]] = MongoClient(
            environ["FUZZ_MONGODB_URL"], serverSelectionTimeoutMS=5000
        )
        self.db = self.mongo[environ["FUZZ_DATABASE"]]
        self.http = httpx.Client(base_url=self.base_url, timeout=10)
        self.lock = threading.Lock()
        self.stats = {"checks": 0, "restored": 0, "logins": 0, "lost": 0, "lost_cases": []}
        snapshot = self.db.users.find_one({"email": self.email})
        if snapshot is None:
            raise RuntimeError("the fuzz admin was not seeded")
        self.snapshot: dict[str, Any] = snapshot
        self.token = ""
        self.repair()

    def after_call(self, method: str, label: str, status: int) -> None:
        if not ((method in WRITING and status < 300) or status in (401, 403)):
            return
        with self.lock:
            broken = self.repair()
            # A refused case found the identity already broken: it was sent
            # with a dead or demoted session, which the guard exists to prevent.
            if broken and status in (401, 403):
                self.stats["lost"] += 1
                if len(self.stats["lost_cases"]) < 20:
                    self.stats["lost_cases"].append(f"{label} -> {status}")
            self._save()

    def repair(self) -> bool:
        """Restore the admin and its session; True if anything was broken."""
        self.stats["checks"] += 1
        broken = False
        current = self.db.users.find_one({"_id": self.snapshot["_id"]}) or {}
        if any(current.get(field) != self.snapshot[field] for field in GUARDED):
            broken = True
            self.stats["restored"] += 1
            self._restore_document()
        if not self._session_works():
            broken = True
            self._login()
        return broken

    def _restore_document(self) -> None:
        try:
            self.db.users.replace_one({"_id": self.snapshot["_id"]}, self.snapshot, upsert=True)
        except DuplicateKeyError:
            # The fuzzer gave the admin's email to a user it created meanwhile.
            self.db.users.delete_many({"email": self.email, "_id": {"$ne": self.snapshot["_id"]}})
            self.db.users.replace_one({"_id": self.snapshot["_id"]}, self.snapshot, upsert=True)

    def _session_works(self) -> bool:
        if not self.token:
            return False
        response = self.http.get("/api/auth/me", headers={"Authorization": f"Bearer {self.token}"})
        return response.status_code == 200 and response.json().get("role") == self.snapshot["role"]

    def _login(self) -> None:
        # Wrong current passwords and fuzzed logins count against the account
        # and this IP; the run's own login must not be locked out by them.
        self.db.login_counters.delete_many({"$or": [{"email": self.email}, {"ip": "127.0.0.1"}]})
        response = self.http.post(
            "/api/auth/login", json={"email": self.email, "password": self.password}
        )
        if response.status_code != 200:
            raise RuntimeError(f"the fuzz admin cannot log in again: {response.status_code}")
        self.token = response.json()["session"]["token"]
        self.stats["logins"] += 1

    def _save(self) -> None:
        self.stats_path.write_text(json.dumps(self.stats))


IDENTITY = os.environ.get("FUZZ_IDENTITY", "")
GUARD = AdminGuard(dict(os.environ)) if IDENTITY == "admin" else None
if GUARD is not None:
    GUARD._save()


def current_token() -> str:
    if GUARD is not None:
        return GUARD.token
    return os.environ["FUZZ_SERVICE_TOKEN"]


# refresh_interval=None: asked for every case, so a repaired session is used
# at once; no automatic retry on 401 either, which would hide refusals.
@schemathesis.auth(refresh_interval=None)
class FuzzIdentity:
    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
        return current_token()

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(
    context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]
) -> None:
    # The provider above sets the token when a case is generated; some phases
    # generate a batch before sending it, so the current token goes in here.
    case.headers = case.headers or {}
    case.headers["Authorization"] = f"Bearer {current_token()}"
    # Here, not in map_case: values drawn later (the resource pool) are in by now.
    if case.meta is not None and case.meta.generation.mode.is_positive:
        repair_positive(case)


def repair_positive(case: schemathesis.Case) -> None:
    """tests/fuzz/positive.py says which rules and why."""
    case.path_parameters = dict(case.path_parameters or {})
    case.query = dict(case.query or {})
    if isinstance(case.body, dict):
        case.body = dict(case.body)
    make_valid(case.path_parameters, case.query, case.body)
    if "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = idempotency_key(case.body)
    if isinstance(case.body, dict) and "currentPassword" in case.body and GUARD is not None:
        # A wrong current password is a 400 by design; the admin's own is valid.
        case.body["currentPassword"] = GUARD.password


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case, response: schemathesis.Response
) -> None:
    if GUARD is not None:
        GUARD.after_call(case.method.upper(), case.operation.label, response.status_code)
