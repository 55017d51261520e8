"""CPU cost of the per-request input checks (README "Security").

Run: .venv/bin/python scripts/input_checks_cost.py  (best of 5 rounds each)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.http.control_chars import ControlCharacterMiddleware, check_json_body
from app.security.password_policy import check_new_password, common_passwords
from app.users.emails import normalize_email


def best(function: Callable[[], object], number: int) -> float:
    """Microseconds per call, best of five rounds."""
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def middleware_on_a_get(rounds: int = 20000) -> float:
    """Microseconds for the middleware on a GET with two query parameters."""

    async def handler(scope: object, receive: object, send: object) -> None:
        return None

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def run() -> float:
        app = ControlCharacterMiddleware()(handler)  # type: ignore[arg-type]
        started = time.perf_counter()
        for _ in range(rounds):
            scope = {"type": "http", "method": "GET", "path": "/api/users", "headers": []}
            scope.update(query_string=b"limit=10&role=staff", path_params={}, state={})
            await app(scope, receive, None)  # type: ignore[arg-type]
        return (time.perf_counter() - started) / rounds * 1e6

    return min(asyncio.run(run()) for _ in range(3))


def main() -> None:
    common_passwords()  # loaded once, on first use
    document = {
        "name": "Ayşe Yılmaz",
        "email": "ayse@example.org",
        "role": "staff",
        "labels": ["gönüllü", "board"],
        "password": "a fine password",
    }
    bodies = {
        "JSON body, UTF-8": json.dumps(document, ensure_ascii=False).encode(),
        "JSON body, \\u-escaped": json.dumps(document).encode(),
        "JSON body, 64 KiB name": json.dumps({"name": "x" * 65000}).encode(),
    }
    for label, body in bodies.items():
        cost = best(lambda body=body: check_json_body(body), 2000)
        print(f"{label} ({len(body)} B): {cost:.2f} µs")
    ascii_cost = best(lambda: normalize_email("Ayse.Yilmaz@Example.org"), 2000)
    print(f"normalize_email, ASCII address: {ascii_cost:.1f} µs")
    idn_cost = best(lambda: normalize_email("AYŞE@örnek.com.tr"), 2000)
    print(f"normalize_email, internationalized address: {idn_cost:.1f} µs")
    print(f"middleware, GET with two query parameters: {middleware_on_a_get():.1f} µs")
    policy_cost = best(lambda: check_new_password("a fine password"), 20000)
    print(f"check_new_password: {policy_cost:.2f} µs")


if __name__ == "__main__":
    main()
