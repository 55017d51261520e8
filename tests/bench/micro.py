"""``scripts/bench micro``: the CPU cost of the input checks, in this process,
best of 5 rounds each (the figures README cites).

* ``json-body``: the strict JSON body checks (``app/json_body.py``) against
  Litestar's own decode (msgspec, what every JSON route did before), on the
  bodies the API really receives.
* ``input-checks``: the control-character checks
  (``app/security/control_chars.py``) on JSON bodies and, as middleware, on a
  GET; the email rule; the password policy; the input contract's parameter
  and body checks (``app/http/input_contract.py``).
* ``observe``: the request wrapper (``app/http/observe.py``), ``micro_observe``.

Without a part, all run.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import platform
import time
import timeit
from collections.abc import Callable
from typing import Any, cast

import msgspec
from litestar.types import HTTPRequestEvent, Message, Receive, Scope, Send

from app.asgi import create_app
from app.http.control_chars import ControlCharacterMiddleware, check_json_body
from app.http.input_contract import check_body, check_parameters, contract_of
from app.http.json_body import decode_body
from app.security.password_policy import check_new_password, common_passwords
from app.users.emails import normalize_email
from tests.bench.micro_observe import observe

BODIES: dict[str, bytes] = {
    "login": json.dumps(
        {"email": "ayse.yilmaz@example.org", "password": "correct horse battery"}
    ).encode(),
    "create user": json.dumps(
        {
            "name": "Ayşe Yılmaz",
            "email": "ayse@example.org",
            "role": "staff",
            "permissions": ["users:read"],
            "phone": "+90 555 000 00 00",
            "labels": ["gönüllü", "board"],
            "password": "Secret-Passw0rd-1",
        },
        ensure_ascii=False,
    ).encode(),
    "patch (ASCII-escaped)": json.dumps({"name": "Işık Çelik", "phone": None}).encode(),
    "batch-get of 100 IDs": json.dumps({"ids": [f"{i:024x}" for i in range(100)]}).encode(),
    "60 kB name": json.dumps({"name": "a:b " * 15_000}).encode(),
}


def best(function: Callable[[], object], number: int) -> float:
    """Microseconds per call, best of five rounds."""
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def json_body() -> None:
    plain = msgspec.json.Decoder().decode
    print(f"Python {platform.python_version()}, msgspec {msgspec.__version__}")
    print(f"{'body':24} {'bytes':>6} {'msgspec':>9} {'strict':>9} {'added':>9}")
    for name, body in BODIES.items():
        number = 200 if len(body) > 10_000 else 5_000
        before = best(functools.partial(plain, body), number)
        after = best(functools.partial(decode_body, body), number)
        print(f"{name:24} {len(body):>6} {before:>7.2f}µs {after:>7.2f}µs {after - before:>7.2f}µs")


def middleware_on_a_get(rounds: int = 20000) -> float:
    """Microseconds for the middleware on a GET with two query parameters."""

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    async def receive() -> HTTPRequestEvent:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    async def run() -> float:
        app = ControlCharacterMiddleware()(handler)
        started = time.perf_counter()
        for _ in range(rounds):
            scope: dict[str, Any] = {
                "type": "http",
                "method": "GET",
                "path": "/api/users",
                "headers": [],
            }
            scope.update(query_string=b"limit=10&role=staff", path_params={}, state={})
            await app(cast(Scope, scope), receive, send)
        return (time.perf_counter() - started) / rounds * 1e6

    return min(asyncio.run(run()) for _ in range(3))


def input_checks() -> None:
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
        cost = best(functools.partial(check_json_body, body), 2000)
        print(f"{label} ({len(body)} B): {cost:.2f} µs")
    ascii_cost = best(lambda: normalize_email("Ayse.Yilmaz@Example.org"), 2000)
    print(f"normalize_email, ASCII address: {ascii_cost:.1f} µs")
    idn_cost = best(lambda: normalize_email("AYŞE@örnek.com.tr"), 2000)
    print(f"normalize_email, internationalized address: {idn_cost:.1f} µs")
    print(f"middleware, GET with two query parameters: {middleware_on_a_get():.1f} µs")
    policy_cost = best(lambda: check_new_password("a fine password"), 20000)
    print(f"check_new_password: {policy_cost:.2f} µs")
    input_contract(json.loads(bodies["JSON body, UTF-8"]))


def input_contract(document: dict[str, Any]) -> None:
    """app/http/input_contract.py on the real handlers of GET and POST /api/users."""
    app = create_app()
    handlers = {
        method: handler
        for route in app.routes
        if route.path == "/api/users"
        for handler in getattr(route, "route_handlers", ())
        for method in handler.http_methods
    }
    listing, create = contract_of(handlers["GET"], {}), contract_of(handlers["POST"], {})
    assert listing is not None and create is not None
    scope = cast(Scope, {"path_params": {}})
    query = [("limit", "10"), ("role", "staff")]
    cost = best(lambda: check_parameters(listing, scope, query), 20000)
    print(f"input contract, GET /api/users with two query parameters: {cost:.1f} µs")
    cost = best(lambda: check_body(create, document), 20000)
    print(f"input contract, create-user body: {cost:.1f} µs")


PARTS: dict[str, Callable[[], None]] = {
    "json-body": json_body,
    "input-checks": input_checks,
    "observe": observe,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench micro",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("part", nargs="?", choices=list(PARTS), help="one part (default: all)")
    args = parser.parse_args(argv)
    names = [args.part] if args.part else list(PARTS)
    for number, name in enumerate(names):
        if len(names) > 1:
            print(f"{'' if number == 0 else chr(10)}== {name} ==")
        PARTS[name]()
    return 0
