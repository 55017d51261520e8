"""Figure 7: logins under load. 8 concurrent logins alone, then with an
open-loop background of ``me`` requests (200 a second, sent on schedule
whatever the answers), in alternating rounds: logins must not starve
(≥ 0.8× their rate alone). The saturating case (8 closed-loop clients on
``me`` as fast as they go) is reported beside it, with the ``me`` p99."""

from __future__ import annotations

import asyncio
import time

from tests.bench.clients import Call
from tests.bench.context import Bench
from tests.bench.load import run_load
from tests.bench.logins import _login_calls
from tests.bench.plan import LOGIN_CONCURRENCY
from tests.bench.stats import percentile, ratios

OPEN_LOOP_RATE = 200.0  # me requests per second


async def _background(bench: Bench, stop: asyncio.Event, rate: float | None) -> list[float]:
    """``me`` latencies: open loop at ``rate``/s, or closed loop on 8 connections
    (``rate`` None), until ``stop`` (or 120 s)."""
    token = bench.admin_token
    client = bench.clients["granian"]
    latencies: list[float] = []
    deadline = time.perf_counter() + 120

    async def one(worker: int) -> None:
        began = time.perf_counter()
        try:
            status, _ = await client.call(worker, Call("GET", "/api/auth/me", token))
        except (*client.errors, TimeoutError):
            return  # not answered: no latency
        if status == 200:
            latencies.append(time.perf_counter() - began)

    if rate is None:

        async def loop(worker: int) -> None:
            while not stop.is_set() and time.perf_counter() < deadline:
                await one(worker)

        await asyncio.gather(*(loop(500 + w) for w in range(8)))
        return latencies
    pending: set[asyncio.Task[None]] = set()
    free = list(range(600, 856))  # one connection per request in flight, at most 256
    began, sent = time.perf_counter(), 0

    async def sent_on(slot: int) -> None:
        try:
            await one(slot)
        finally:
            free.append(slot)

    while not stop.is_set() and time.perf_counter() < deadline:
        # Open loop: a slow answer never delays the next send.
        if free:
            task = asyncio.create_task(sent_on(free.pop()))
            pending.add(task)
            task.add_done_callback(pending.discard)
        sent += 1
        await asyncio.sleep(max(0.0, began + sent / rate - time.perf_counter()))
    await asyncio.gather(*pending, return_exceptions=True)
    return latencies


async def _logins(bench: Bench, background: float | bool | None) -> tuple[float, float]:
    """(logins/s, me p99 ms) for one round; ``background`` False: logins alone."""
    stop = asyncio.Event()
    task = None
    if background is not False:
        rate = background if isinstance(background, float) else None
        task = asyncio.create_task(_background(bench, stop, rate))
        await asyncio.sleep(0.5)
    login = bench.http("granian", _login_calls(bench), offset=300)
    result = await run_load(
        login,
        count=bench.sizes.load_logins,
        concurrency=LOGIN_CONCURRENCY,
        max_seconds=bench.sizes.load_seconds,
    )
    stop.set()
    latencies = await task if task else []
    p99 = percentile(latencies, 0.99) * 1000 if latencies else float("nan")
    return result.rate, p99


async def figure_starvation(bench: Bench) -> None:
    alone: list[float] = []
    open_loop: list[float] = []
    saturated: list[float] = []
    open_p99: list[float] = []
    saturated_p99: list[float] = []
    for _ in range(bench.sizes.rounds):
        alone.append((await _logins(bench, False))[0])
        rate, p99 = await _logins(bench, OPEN_LOOP_RATE)
        open_loop.append(rate)
        open_p99.append(p99)
        rate, p99 = await _logins(bench, True)
        saturated.append(rate)
        saturated_p99.append(p99)
    bench.add("login_load.alone.rate", "logins/s", alone)
    bench.add("login_load.me_200_per_s.rate", "logins/s", open_loop)
    bench.add("login_load.me_200_per_s.me_p99", "ms", open_p99)
    bench.add("login_load.me_200_per_s.vs_alone", "ratio", ratios(open_loop, alone), target=0.8)
    bench.add("login_load.me_8_closed_loop.rate", "logins/s", saturated)
    bench.add("login_load.me_8_closed_loop.me_p99", "ms", saturated_p99)
    bench.add("login_load.me_8_closed_loop.vs_alone", "ratio", ratios(saturated, alone))
