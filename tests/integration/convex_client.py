"""The real ``convex`` npm client (tests/convex_client, pinned by its
package-lock.json) driven from the tests, and a small fake Convex deployment
on 127.0.0.1 for the forwarding tests."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from app.config import Settings
from tests.integration.helpers import cheap_service_env, running_service

CLIENT_DIR = Path(__file__).resolve().parents[1] / "convex_client"
NODE_TIMEOUT_SECONDS = 120
# The panel's version (convex 1.28.1) and the latest one (the npm alias
# convex-latest), both pinned by the package-lock.json.
PACKAGES = ("convex", "convex-latest")


def _installed() -> None:
    """``npm ci`` once when the client is missing (.ci/run installs it first)."""
    if all((CLIENT_DIR / "node_modules" / p / "package.json").exists() for p in PACKAGES):
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=CLIENT_DIR,
        check=True,
        timeout=300,
        capture_output=True,
    )


def run_calls(
    url: str,
    calls: list[dict[str, Any]],
    token: str | None = None,
    package: str = "convex",
    admin_auth: bool = False,
) -> list[Any]:
    """Each call's result through ``ConvexHttpClient`` (see driver.cjs); the token
    set with ``setAuth`` (Bearer) or, with ``admin_auth``, ``setAdminAuth``."""
    _installed()
    plan = json.dumps(
        {"url": url, "token": token, "calls": calls, "package": package, "adminAuth": admin_auth}
    )
    done = subprocess.run(
        ["node", str(CLIENT_DIR / "driver.cjs")],
        input=plan.encode(),
        capture_output=True,
        timeout=NODE_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    results: list[Any] = json.loads(done.stdout)
    assert len(results) == len(calls)
    return results


async def calls(
    url: str,
    calls_: list[dict[str, Any]],
    token: str | None = None,
    package: str = "convex",
    admin_auth: bool = False,
) -> list[Any]:
    return await asyncio.to_thread(run_calls, url, calls_, token, package, admin_auth)


def call(kind: str, fn: str, args: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "fn": fn, "args": args or {}, **extra}


def value(result: dict[str, Any]) -> Any:
    assert result["ok"], result
    return result["value"]


def failure(result: dict[str, Any]) -> str:
    assert not result["ok"], result
    message: str = result["message"]
    return message


def f64(number: float) -> dict[str, str]:
    """A float64 as ``$float`` (NaN, ±Infinity, -0)."""
    return {"$float": base64.b64encode(struct.pack("<d", number)).decode()}


def i64(number: int) -> dict[str, str]:
    return {"$integer": base64.b64encode(number.to_bytes(8, "little", signed=True)).decode()}


# --- a fake Convex deployment -------------------------------------------------------


@dataclass
class FakeConvex:
    """Answers ``/api/{query,mutation,action,function}`` by echoing the args
    (``echo:*``), with a function error (``fail:*``), with HTTP status N and a
    text body (``http:statusN``), or after ``release`` is set (``slow:*``, at most
    60 s); records every request, its exact body bytes in ``raw``."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@contextmanager
def fake_convex() -> Iterator[FakeConvex]:
    fake = FakeConvex()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            request = json.loads(body)
            fake.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "body": request,
                    "raw": body,
                }
            )
            function = request["path"]
            if function.startswith("http:status"):
                self._send(int(function[11:]), b"upstream says no", "text/plain; charset=utf-8")
                return
            if function.startswith("slow:"):
                fake.release.wait(60)
            if function.startswith("fail:"):
                answer = {"status": "error", "errorMessage": "from convex", "errorData": "E"}
            else:
                args = request["args"]
                answer = {"status": "success", "value": args[0] if isinstance(args, list) else args}
            self._send(200, json.dumps(answer).encode(), "application/json")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()


def convex_service(settings: Settings, token: str, **env: str) -> Any:
    """``python -m app`` with the Convex API at ``/convex`` and one service token,
    ``panel`` (scopes: the defaults, ``convex`` included)."""
    assert settings.mongodb_url
    return running_service(
        settings.mongodb_url,
        settings.database,
        **cheap_service_env(
            APP_SERVICE_TOKENS=f"panel:{token}", APP_CONVEX_API_PREFIX="/convex", **env
        ),
    )
