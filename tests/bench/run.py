"""One run: set up (engine, services, clients, admin session), the figures in
their order, the report, and tear-down."""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from pymongo import AsyncMongoClient

from app.users.ranked_search import COLLECTION as SEARCH_ENTRIES
from tests.bench.clients import Call, Client, make_client
from tests.bench.context import Bench
from tests.bench.convex import figure_convex
from tests.bench.logins import figure_logins
from tests.bench.plan import FULL, LOGIN_PASSWORD, QUICK
from tests.bench.procs import database_server, make_services, start_services
from tests.bench.reads import figure_batch, figure_reads
from tests.bench.report import compare_servers, engine_version, print_header, report
from tests.bench.scale import figure_scale
from tests.bench.seed import Seeder
from tests.bench.session import figure_session
from tests.bench.starvation import figure_starvation


async def admin_login(client: Client, admin: tuple[str, str]) -> str:
    body = json.dumps({"email": admin[0], "password": admin[1]}).encode()
    status, raw = await client.call(1001, Call("POST", "/api/auth/login", body=body))
    if status != 200:
        raise RuntimeError(f"admin login failed: {status} {raw[:300]!r}")
    token: str = json.loads(raw)["session"]["token"]
    return token


FIGURES: dict[str, tuple[str, Callable[[Bench], Awaitable[None]]]] = {
    "scale": ("scale curves", figure_scale),
    "reads": ("reads by ID, CPU", figure_reads),
    "batch": ("batch get", figure_batch),
    "session": ("session path", figure_session),
    "logins": ("logins", figure_logins),
    "login-load": ("logins under load", figure_starvation),
    "convex": ("Convex users:get", figure_convex),
}


async def run_figures(bench: Bench, started: float, only: list[str] | None = None) -> None:
    if only and "scale" not in only:
        # The other figures read the users the scale curves seed.
        await bench.seeder.grow(max(bench.sizes.scale_users))
    for key, (title, figure) in FIGURES.items():
        if only and key not in only:
            continue
        if not bench.time_left():
            bench.notes.append(f"skipped {title}: time budget used up")
            continue
        began = time.perf_counter()
        await figure(bench)
        print(f"  {title}: {time.perf_counter() - began:.0f} s", flush=True)
    compare_servers(bench)
    bench.notes.append(f"total {time.monotonic() - started:.0f} s")


async def run(args: argparse.Namespace) -> int:
    """Set up (engine, services, clients), run the figures, tear everything down."""
    sizes = QUICK if args.quick else FULL
    started = time.monotonic()
    rng = random.Random(args.seed)
    database = f"bench_{secrets.token_hex(6)}"
    token = secrets.token_hex(20)
    admin = ("bench-admin@example.com", secrets.token_urlsafe(18))
    password_hash = PasswordHasher().hash(LOGIN_PASSWORD)
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as temp_dir,
        database_server() as (url, engine),
    ):
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, maxPoolSize=64)
        services = make_services(Path(temp_dir), url, database, token, admin, not args.no_uvicorn)
        clients: dict[str, Client] = {}
        try:
            notes: list[str] = []
            start_services(services, notes, not args.no_uvicorn)
            clients = {name: make_client(args.client, s.port) for name, s in services.items()}
            bench = Bench(
                sizes=sizes,
                mongo=mongo,
                database=database,
                seeder=Seeder(
                    mongo[database]["users"],
                    rng,
                    password_hash,
                    entries=mongo[database][SEARCH_ENTRIES],
                ),
                services=services,
                clients=clients,
                service_token=token,
                admin_token=await admin_login(clients["granian"], admin),
                rng=rng,
                engine_pid=engine.pid if engine else None,
                deadline=started + sizes.total_seconds,
                notes=notes,
            )
            print_header(
                bench,
                await engine_version(mongo, engine is not None),
                args.client,
                max(sizes.scale_users),
            )
            await run_figures(bench, started, args.only)
            report(bench, Path(args.output), Path(args.chart) if args.chart else None)
        finally:
            for client in clients.values():
                await client.close()
            for service in services.values():
                service.stop()
            with contextlib.suppress(Exception):
                await mongo.drop_database(database)
            await mongo.close()
    return 1 if bench.problems else 0
