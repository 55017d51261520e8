"""One run's state: sizes, database, services, clients, and what was measured."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pymongo import AsyncMongoClient

from tests.bench.clients import Call, Client
from tests.bench.load import LoadResult, Operation, http_operation, run_load
from tests.bench.plan import CONCURRENCY, Sizes
from tests.bench.procs import Service
from tests.bench.seed import Seeder
from tests.bench.stats import Figure
from tests.support.processes import cpu_seconds


@dataclass
class Bench:
    sizes: Sizes
    mongo: AsyncMongoClient[dict[str, Any]]
    database: str
    seeder: Seeder
    services: dict[str, Service]
    clients: dict[str, Client]
    service_token: str
    admin_token: str
    rng: random.Random
    engine_pid: int | None
    deadline: float
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    client_cpu_us: list[float] = field(default_factory=list)

    def add(self, name: str, unit: str, rounds: list[float], **target: Any) -> None:
        if rounds:
            self.figures.append(Figure(name, unit, rounds, **target))

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    async def measured(
        self,
        server: str,
        operation: Operation,
        count: int,
        concurrency: int = CONCURRENCY,
        max_seconds: float | None = None,
    ) -> LoadResult:
        """A load run with the service's (and our engine's) CPU seconds around it."""
        service = self.services[server]
        engine = [self.engine_pid] if self.engine_pid else []
        server_before, engine_before = service.cpu(), cpu_seconds(engine)
        result = await run_load(
            operation,
            count=count,
            concurrency=concurrency,
            max_seconds=max_seconds or self.sizes.load_seconds,
        )
        result.server_cpu = service.cpu() - server_before
        result.engine_cpu = cpu_seconds(engine) - engine_before
        return result

    def http(self, server: str, calls: Callable[[int], Call], offset: int = 0) -> Operation:
        return http_operation(self.clients[server], calls, self.problems, offset)

    async def get(self, path: str, token: str | None = None) -> Any:
        status, body = await self.clients["granian"].call(1000, Call("GET", path, token))
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)
