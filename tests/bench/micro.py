"""Cost of the strict JSON body checks (app/json_body.py) per request body.

Compares Litestar's own decode (msgspec, what every JSON route did before)
with ``decode_body`` on the bodies the API really receives, in this process,
best of 5 rounds. Run: ``PYTHONPATH=. .venv/bin/python scripts/bench_json_body.py``.
"""

from __future__ import annotations

import json
import platform
import timeit

import msgspec

from app.json_body import decode_body

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


def best(function: object, body: bytes, number: int) -> float:
    timer = timeit.Timer(lambda: function(body))  # type: ignore[operator]
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def main() -> None:
    plain = msgspec.json.Decoder().decode
    print(f"Python {platform.python_version()}, msgspec {msgspec.__version__}")
    print(f"{'body':24} {'bytes':>6} {'msgspec':>9} {'strict':>9} {'added':>9}")
    for name, body in BODIES.items():
        number = 200 if len(body) > 10_000 else 5_000
        before, after = best(plain, body, number), best(decode_body, body, number)
        print(f"{name:24} {len(body):>6} {before:>7.2f}µs {after:>7.2f}µs {after - before:>7.2f}µs")


if __name__ == "__main__":
    main()
