"""Figure 7: the panel's session check through the Convex function API.
``POST /convex/api/query {path: "users:get"}`` (the body ``ConvexHttpClient``
sends) against ``GET /api/users/{id}``, the same random users, alternating
rounds on the same server: calls/s and service CPU per call, as ratios
(the machine's load cancels out of them)."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.bench.clients import Call
from tests.bench.context import Bench
from tests.bench.stats import ratios

CONNECTIONS = 8  # the panel's server makes a handful of calls at once
PREFIX = "/convex"  # tests/bench/procs.py turns the API on there


def _convex_calls(bench: Bench, count: int) -> Callable[[int], Call]:
    bodies = [
        json.dumps(
            {
                "path": "users:get",
                "format": "convex_encoded_json",
                "args": [{"id": bench.rng.choice(bench.seeder.ids)}],
            }
        ).encode()
        for _ in range(count)
    ]
    return lambda i: Call("POST", f"{PREFIX}/api/query", bench.service_token, bodies[i])


def _rest_calls(bench: Bench, count: int) -> Callable[[int], Call]:
    picks = [bench.rng.choice(bench.seeder.ids) for _ in range(count)]
    return lambda i: Call("GET", f"/api/users/{picks[i]}", bench.service_token)


async def figure_convex(bench: Bench) -> None:
    count = bench.sizes.get_requests
    warm = bench.http("granian", _convex_calls(bench, 200))
    await bench.measured("granian", warm, 200, CONNECTIONS)
    convex_rate: list[float] = []
    convex_cpu: list[float] = []
    rest_rate: list[float] = []
    rest_cpu: list[float] = []
    for _ in range(bench.sizes.rounds):
        rest = bench.http("granian", _rest_calls(bench, count))
        result = await bench.measured("granian", rest, count, CONNECTIONS)
        rest_rate.append(result.rate)
        rest_cpu.append(result.cpu_us(result.server_cpu))
        convex = bench.http("granian", _convex_calls(bench, count))
        result = await bench.measured("granian", convex, count, CONNECTIONS)
        convex_rate.append(result.rate)
        convex_cpu.append(result.cpu_us(result.server_cpu))
    bench.add("convex.users_get.rate", "calls/s", convex_rate)
    bench.add("convex.users_get.cpu", "µs/call", convex_cpu)
    bench.add("convex.rest_get_by_id.rate", "req/s", rest_rate)
    bench.add("convex.rest_get_by_id.cpu", "µs/req", rest_cpu)
    bench.add("convex.users_get_vs_rest.rate", "ratio", ratios(convex_rate, rest_rate))
    bench.add("convex.users_get_vs_rest.cpu", "ratio", ratios(convex_cpu, rest_cpu))
