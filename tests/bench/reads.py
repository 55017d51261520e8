"""Figures 1-3: GET by ID on each server against the database floor, CPU per
request against /health, and batch-get of 100 IDs against single gets."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.bench.clients import Call
from tests.bench.context import Bench
from tests.bench.load import LoadResult, run_load
from tests.bench.plan import CONCURRENCY
from tests.bench.stats import ratios


def _get_calls(bench: Bench, count: int) -> Callable[[int], Call]:
    picks = [bench.rng.choice(bench.seeder.ids) for _ in range(count)]
    return lambda i: Call("GET", f"/api/users/{picks[i]}", bench.service_token)


async def _floor_round(bench: Bench, count: int) -> LoadResult:
    users = bench.mongo[bench.database]["users"]
    picks = [bench.rng.choice(bench.seeder.ids) for _ in range(count)]

    async def find(worker: int, index: int) -> bool:
        return await users.find_one({"_id": picks[index]}) is not None

    return await run_load(
        find, count=count, concurrency=CONCURRENCY, max_seconds=bench.sizes.load_seconds
    )


async def figure_reads(bench: Bench) -> None:
    """Figures 1 and 2: GET by ID on each server and the database floor, interleaved;
    then /health for the CPU ratio."""
    sizes, servers = bench.sizes, list(bench.services)
    rate: dict[str, list[float]] = {name: [] for name in [*servers, "floor"]}
    p50: dict[str, list[float]] = {name: [] for name in servers}
    p99: dict[str, list[float]] = {name: [] for name in servers}
    cpu: dict[str, list[float]] = {name: [] for name in servers}
    engine_cpu: list[float] = []
    for _ in range(sizes.rounds):
        for server in servers:
            calls = _get_calls(bench, sizes.get_requests)
            result = await bench.measured(server, bench.http(server, calls), sizes.get_requests)
            rate[server].append(result.rate)
            p50[server].append(result.ms(0.50))
            p99[server].append(result.ms(0.99))
            cpu[server].append(result.cpu_us(result.server_cpu))
            if server == "granian":
                bench.client_cpu_us.append(result.cpu_us(result.client_cpu))
                if bench.engine_pid:
                    engine_cpu.append(result.cpu_us(result.engine_cpu))
        rate["floor"].append((await _floor_round(bench, sizes.get_requests)).rate)
    for server in servers:
        bench.add(f"get_by_id.{server}.rate", "req/s", rate[server])
        bench.add(f"get_by_id.{server}.p50", "ms", p50[server])
        bench.add(f"get_by_id.{server}.p99", "ms", p99[server])
    bench.add("get_by_id.floor.find_one_rate", "req/s", rate["floor"])
    for server in servers:
        target = {"target": 0.7} if server == "granian" else {}
        bench.add(
            f"get_by_id.{server}.vs_floor", "ratio", ratios(rate[server], rate["floor"]), **target
        )
    if "uvicorn" in rate:
        bench.add("get_by_id.uvicorn_vs_granian", "ratio", ratios(rate["uvicorn"], rate["granian"]))
    bench.add("get_by_id.engine_cpu", "µs/req", engine_cpu)
    await figure_cpu(bench, cpu)


async def figure_cpu(bench: Bench, get_cpu: dict[str, list[float]]) -> None:
    """Figure 2: service CPU per request, GET by ID vs /health."""
    health: dict[str, list[float]] = {name: [] for name in bench.services}
    count = bench.sizes.health_requests
    for _ in range(bench.sizes.rounds):
        for server in bench.services:
            operation = bench.http(server, lambda i: Call("GET", "/health"))
            result = await bench.measured(server, operation, count)
            health[server].append(result.cpu_us(result.server_cpu))
    for server in bench.services:
        bench.add(f"cpu.{server}.get_by_id", "µs/req", get_cpu[server])
        bench.add(f"cpu.{server}.health", "µs/req", health[server])
        target = {"target": 3.0, "at_least": False} if server == "granian" else {}
        bench.add(
            f"cpu.{server}.get_vs_health",
            "ratio",
            ratios(get_cpu[server], health[server]),
            **target,
        )


def _batch_calls(bench: Bench, count: int) -> Callable[[int], Call]:
    bodies = [
        json.dumps({"ids": bench.rng.sample(bench.seeder.ids, 100)}).encode() for _ in range(count)
    ]
    return lambda i: Call("POST", "/api/users/batch-get", bench.service_token, bodies[i])


async def _batch_floor_round(bench: Bench, count: int) -> LoadResult:
    """The database alone: ``find({_id: {$in: 100 ids}})`` from this process."""
    users = bench.mongo[bench.database]["users"]
    batches = [bench.rng.sample(bench.seeder.ids, 100) for _ in range(count)]

    async def find(worker: int, index: int) -> bool:
        return len(await users.find({"_id": {"$in": batches[index]}}).to_list()) == 100

    return await run_load(
        find, count=count, concurrency=CONCURRENCY, max_seconds=bench.sizes.load_seconds
    )


async def figure_batch(bench: Bench) -> None:
    """Figure 3: POST batch-get of 100 IDs (documents/s) against the database's own
    ``$in`` rate (target ≥ 0.9) and single GETs, in the same rounds."""
    sizes = bench.sizes
    docs: list[float] = []
    singles: list[float] = []
    floor: list[float] = []
    cpu: list[float] = []
    for _ in range(sizes.rounds):
        calls = _batch_calls(bench, sizes.batch_requests)
        result = await bench.measured("granian", bench.http("granian", calls), sizes.batch_requests)
        docs.append(result.rate * 100)
        cpu.append(result.cpu_us(result.server_cpu) / 100)
        # The floor right after the service's round: the pair sees the same machine.
        floor.append((await _batch_floor_round(bench, sizes.batch_requests)).rate * 100)
        single_calls = _get_calls(bench, sizes.get_requests)
        single = await bench.measured(
            "granian", bench.http("granian", single_calls), sizes.get_requests
        )
        singles.append(single.rate)
    bench.add("batch_get.documents_rate", "docs/s", docs)
    bench.add("batch_get.cpu_per_document", "µs/doc", cpu)
    bench.add("batch_get.floor.find_in_rate", "docs/s", floor)
    # The target is the database's own $in rate: single gets are already
    # coalesced into $in queries, so batch-get vs single gets is bounded by
    # the engine (reported, no target).
    bench.add("batch_get.vs_floor", "ratio", ratios(docs, floor), target=0.9)
    bench.add("batch_get.vs_single_gets", "ratio", ratios(docs, singles))
