"""The closed loop: N workers, bounded in request count and time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tests.bench.clients import Call, Client
from tests.bench.stats import percentile


@dataclass
class LoadResult:
    latencies: list[float]  # seconds, successful requests only
    errors: int
    elapsed: float
    client_cpu: float
    server_cpu: float = 0.0
    engine_cpu: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000 if self.latencies else float("nan")

    def cpu_us(self, seconds: float) -> float:
        return seconds / self.done * 1e6 if self.done else float("nan")


Operation = Callable[[int, int], Awaitable[bool]]  # (worker, index) -> ok


async def run_load(
    operation: Operation, *, count: int, concurrency: int, max_seconds: float
) -> LoadResult:
    """Closed loop: ``concurrency`` workers take request indexes until ``count``
    requests were issued or ``max_seconds`` passed."""
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + max_seconds

    async def worker(worker_id: int) -> None:
        nonlocal issued, errors
        while issued < count and time.perf_counter() < deadline:
            index = issued
            issued += 1
            began = time.perf_counter()
            if await operation(worker_id, index):
                latencies.append(time.perf_counter() - began)
            else:
                errors += 1

    cpu_before, began = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    elapsed = time.perf_counter() - began
    return LoadResult(latencies, errors, elapsed, time.process_time() - cpu_before)


def http_operation(
    client: Client, calls: Callable[[int], Call], problems: list[str], worker_offset: int = 0
) -> Operation:
    async def operation(worker: int, index: int) -> bool:
        call = calls(index)
        try:
            status, body = await client.call(worker + worker_offset, call)
        except (*client.errors, TimeoutError) as exc:
            _note_problem(problems, f"{call.method} {call.path[:60]}: {type(exc).__name__} {exc}")
            return False
        if status != call.expect:
            _note_problem(problems, f"{call.method} {call.path[:60]}: {status} {body[:200]!r}")
            return False
        return True

    return operation


def _note_problem(problems: list[str], text: str) -> None:
    if len(problems) < 20:
        problems.append(text)
