"""Figure 5: logins/s, the /me p99 under concurrent logins, and the memory of a
burst of logins."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
from collections.abc import Callable

from tests.bench.clients import Call
from tests.bench.context import Bench
from tests.bench.load import run_load
from tests.bench.plan import LOGIN_BURST, LOGIN_CONCURRENCY, LOGIN_PASSWORD, MIB
from tests.bench.procs import RssPeak
from tests.bench.stats import ratios
from tests.support.processes import rss_bytes


def _login_calls(bench: Bench) -> Callable[[int], Call]:
    emails = bench.seeder.login_emails

    def call(index: int) -> Call:
        body = {"email": emails[index % len(emails)], "password": LOGIN_PASSWORD}
        return Call("POST", "/api/auth/login", body=json.dumps(body).encode())

    return call


async def _me_p99(bench: Bench) -> float:
    me = bench.http("granian", lambda i: Call("GET", "/api/auth/me", bench.admin_token))
    result = await run_load(
        me, count=bench.sizes.me_requests, concurrency=1, max_seconds=bench.sizes.load_seconds
    )
    return result.ms(0.99)


async def _me_p99_under_logins(bench: Bench) -> float:
    """/me p99 while 8 logins are in flight all the time (bounded in count and time)."""
    stop = asyncio.Event()
    login = bench.http("granian", _login_calls(bench), offset=200)

    async def keep_logging_in(worker: int) -> None:
        for index in range(10_000):
            if stop.is_set():
                return
            await login(worker, index)

    background = [asyncio.create_task(keep_logging_in(w)) for w in range(LOGIN_CONCURRENCY)]
    try:
        await asyncio.sleep(0.5)  # let the hashes start
        return await _me_p99(bench)
    finally:
        stop.set()
        await asyncio.gather(*background)


async def figure_logins(bench: Bench) -> None:
    """Figure 5: logins/s; /me p99 under 8 concurrent logins vs idle; RSS peak."""
    sizes = bench.sizes
    rate: list[float] = []
    cpu: list[float] = []
    idle: list[float] = []
    loaded: list[float] = []
    for _ in range(sizes.rounds):
        login = bench.http("granian", _login_calls(bench))
        result = await bench.measured("granian", login, sizes.logins, LOGIN_CONCURRENCY)
        rate.append(result.rate)
        cpu.append(result.cpu_us(result.server_cpu) / 1000)
        idle.append(await _me_p99(bench))
        loaded.append(await _me_p99_under_logins(bench))
    bench.add("login.rate", "logins/s", rate)
    bench.add("login.cpu_per_login", "ms", cpu)
    bench.add("login.me_p99.idle", "ms", idle)
    bench.add("login.me_p99.during_8_logins", "ms", loaded)
    bench.add(
        "login.me_p99.loaded_vs_idle", "ratio", ratios(loaded, idle), target=3.0, at_least=False
    )
    await figure_memory(bench)


async def figure_memory(bench: Bench) -> None:
    pids = bench.services["granian"].pids()  # granian: main process + worker
    hash_concurrency = int(
        os.environ.get("APP_HASH_CONCURRENCY", max(1, (os.cpu_count() or 2) // 2))
    )
    idle: list[float] = []
    peak: list[float] = []
    for _ in range(bench.sizes.rounds):
        await asyncio.sleep(0.5)
        idle.append(rss_bytes(pids) / MIB)
        with RssPeak(pids) as sampler:
            await run_load(
                bench.http("granian", _login_calls(bench)),
                count=LOGIN_BURST,
                concurrency=LOGIN_BURST,
                max_seconds=bench.sizes.load_seconds * 2,
            )
        peak.append(sampler.peak / MIB)
    budget = statistics.median(idle) + hash_concurrency * 64 + 100
    bench.add("login.rss.idle", "MiB", idle)
    bench.add(f"login.rss.peak_{LOGIN_BURST}_logins", "MiB", peak, target=budget, at_least=False)
