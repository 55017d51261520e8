"""Benchmark of the Panel Users Service, as production runs it.

Method
------
* Database: a FRESH database. Without ``APP_MONGODB_URL`` the bench starts its
  own nx-27017 engine (``app.engine.EmbeddedEngine``) in a temporary directory
  on a free port and stops it at the end; with it, that server is used under a
  new database name that is dropped at the end.
* Service: ``python -m app`` (granian, one worker) in a separate process, with
  ``APP_MONGODB_URL``/``APP_DATABASE``/``APP_PORT``, a service token
  (``APP_SERVICE_TOKENS``) and a bootstrap admin. The service creates its
  indexes at start-up (``init_beanie``), before anything is seeded. Uvicorn
  (``uvicorn --factory app.asgi:create_app --workers 1``) is
  started beside it, when installed, for the server comparison of figure 1.
* Data: users inserted directly with PyMongo ``insert_many`` in batches of
  1000, shaped like the service's documents (Turkish names, unique emails,
  ``searchTokens`` from ``app.users.search.search_tokens``). The first 64 are
  login users with one argon2id hash (``PasswordHasher()`` defaults, computed
  once). The same database grows 1k → 10k (→ 100k) between the scale points.
* Load: this process is the load generator, separate from the service. It
  runs N workers, each with its own keep-alive HTTP/1.1 connection (raw
  asyncio streams on uvloop; ``--client httpx`` uses ``httpx.AsyncClient``
  limited to N connections instead), closed loop, bounded in request count
  and time. Measured on 2 cores: the raw client costs ≈75 µs of CPU per GET,
  httpx ≈1.8 ms, which held the service to ≈360 req/s instead of ≈2,400.
  Concurrency is 32 unless a figure says otherwise; the scale curves
  and the ``/api/auth/me`` probe measure single requests (concurrency 1),
  logins run at 8 (64 for the memory burst).
* Order: the scale curves first (the database grows through 1k, 10k (, 100k)
  users; the list walk to the deep page is bounded in time), then figures
  1-3 at the largest size, then the logins.
* Database floor: raw ``AsyncMongoClient.find_one({"_id": id})`` (and, for
  batch-get, ``find({"_id": {"$in": 100 ids}})``) from this process at the
  same concurrency, in the same rounds as the service.
* CPU: utime+stime from ``/proc/<pid>/stat`` of the service process (and its
  children) before and after a run, divided by the requests served.
* Memory: ``VmRSS`` of the service process polled every 10 ms.
* Every figure is the median of at least 3 rounds, with min and max; a ratio
  is computed per round (the rounds of both sides run interleaved) and then
  summarized the same way.

Output: a table on stdout and ``bench-results.json`` (a list of
``{name, value, unit, target?, met?, min, max}``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import importlib.metadata
import json
import math
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from bson import ObjectId
from pymongo import AsyncMongoClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engine import EmbeddedEngine  # noqa: E402
from app.users.search import search_tokens, tokenize  # noqa: E402

HOST = "127.0.0.1"
CONCURRENCY = 32
LOGIN_CONCURRENCY = 8
LOGIN_BURST = 64
LOGIN_PASSWORD = "bench password 1234"  # noqa: S105 - test data
BATCH = 1000
MIB = 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CURSOR_SECRET = secrets.token_urlsafe(32)  # the same for both servers of one run


@dataclass(frozen=True)
class Sizes:
    """How much work each figure does; ``--quick`` must finish in < 5 min on 2 cores."""

    rounds: int
    get_requests: int  # per round and server, also the floor's find_one count
    health_requests: int
    batch_requests: int  # POST batch-get of 100 ids
    scale_users: tuple[int, ...]
    scale_requests: int  # per metric, round and size (concurrency 1)
    scale_seconds: float  # upper bound of one such round
    deep_page: int  # the page of the list walk that is timed
    walk_seconds: float  # upper bound of the walk to it
    logins: int  # per round, for logins/s
    me_requests: int  # per round and condition of the /me probe
    load_seconds: float  # upper bound of one load run
    total_seconds: float  # later figures are skipped past this


QUICK = Sizes(
    rounds=3,
    get_requests=3000,
    health_requests=3000,
    batch_requests=150,
    scale_users=(1_000, 10_000),
    scale_requests=20,
    scale_seconds=8,
    deep_page=50,
    walk_seconds=60,
    logins=16,
    me_requests=400,
    load_seconds=30,
    total_seconds=270,
)
FULL = Sizes(
    rounds=5,
    get_requests=10_000,
    health_requests=10_000,
    batch_requests=500,
    scale_users=(1_000, 10_000, 100_000),
    scale_requests=50,
    scale_seconds=12,
    deep_page=500,
    walk_seconds=300,
    logins=48,
    me_requests=1000,
    load_seconds=90,
    total_seconds=1750,
)

FIRST_NAMES = (
    "Ayşe Ayhan Aydın Aylin Ayla Ayten Ayşegül Fatma Emine Hatice Zeynep Elif Meryem Şerife "
    "Zehra Merve Özlem Yasemin Esra Büşra Gül Gülsüm Tuğba Çağla Ebru Deniz Işıl Sibel Derya "
    "Hülya Nur Seda İrem Ece Melike Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail "
    "Osman Yusuf Ömer Murat Kemal Emre Burak Can Cem Serkan Barış Oğuz Gökhan Uğur Volkan "
    "Tolga Kaan Eren Çağrı Şükrü Halil Recep Onur Selim Tarık"
).split()
LAST_NAMES = (
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "
    "Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Özcan Korkmaz Çakır Erdoğan Yavuz Can Acar "
    "Şen Aktaş Güler Yalçın Güneş Bozkurt Bulut Keskin Ünal Turan Gül Özer Işık Kaplan Avcı "
    "Sarı Tekin Taş Köse Yüksel Ateş Aksoy Uçar Erdem Karaca Başaran Sönmez Akın Eren Duman"
).split()
ROLES = ("staff",) * 12 + ("editor",) * 4 + ("viewer",) * 3 + ("support",)


# --- statistics and figures -------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Figure:
    name: str
    unit: str
    rounds: list[float]
    target: float | None = None
    at_least: bool = True  # met when value >= target (else <=)

    @property
    def value(self) -> float:
        return statistics.median(self.rounds)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.at_least else self.value <= self.target

    def record(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "name": self.name,
            "value": round(self.value, 6),
            "unit": self.unit,
        }
        if self.target is not None:
            entry["target"] = round(self.target, 6)
            entry["met"] = self.met
        entry["min"] = round(min(self.rounds), 6)
        entry["max"] = round(max(self.rounds), 6)
        return entry


def ratios(top: list[float], bottom: list[float]) -> list[float]:
    """Per-round ratios of two interleaved series."""
    return [a / b for a, b in zip(top, bottom, strict=False) if b > 0]


# --- machine, versions --------------------------------------------------------------


def _cpuinfo_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_total() -> str:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def machine_line() -> str:
    cores = len(os.sched_getaffinity(0))
    return f"{cores} cores (nproc), {_cpuinfo_model()}, {_memory_total()} memory"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions_line(engine: str) -> str:
    parts = [f"Python {platform.python_version()}"]
    parts += [f"{p} {package_version(p)}" for p in ("pymongo", "litestar", "beanie", "granian")]
    parts += [f"uvicorn {package_version('uvicorn')}", f"engine {engine}"]
    return ", ".join(parts)


# --- processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """If the bench is killed, the kernel ends the service too."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def descendants(pid: int) -> list[int]:
    """``pid`` and every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def rss_bytes(pids: list[int]) -> int:
    """VmRSS summed over these processes (the server's main process and workers)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


class RssPeak:
    """Polls the VmRSS of a process tree every 10 ms in a thread; ``peak`` in bytes."""

    def __init__(self, pids: list[int], interval: float = 0.01) -> None:
        self.pid, self.interval, self.peak = pids, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


class Service:
    """One service process (granian or uvicorn) started and stopped by the bench."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int, log: Path):
        self.name, self.command, self.env, self.port, self.log = name, command, env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def pids(self) -> list[int]:
        return descendants(self.pid)

    def cpu(self) -> float:
        return cpu_seconds(self.pids())

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log.open("wb") as log:
            return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                self.command,
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    async def start(self, ready_seconds: float = 60.0) -> None:
        """Spawn, then wait until ``/ready`` answers 200 (indexes made, admin there)."""
        self.process = self._spawn()
        deadline = time.monotonic() + ready_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError, asyncio.IncompleteReadError, TimeoutError):
                connection = RawConnection(HOST, self.port)
                status, _ = await connection.call(Call("GET", "/ready"))
                connection.close()
                if status == 200:
                    return
            await asyncio.sleep(0.2)
        tail = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{self.name} did not become ready; its log ends:\n{tail}")

    def stop(self) -> None:
        """SIGTERM (graceful drain), SIGKILL after 15 s; then any child left, by PID."""
        if self.process is None:
            return
        family = [pid for pid in self.pids() if pid != self.pid]
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in family:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self.process = None


# --- HTTP clients -----------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    token: str | None = None
    body: bytes = b""
    expect: int = 200


class RawConnection:
    """One keep-alive HTTP/1.1 connection, one request at a time (no pipelining)."""

    IDLE_SECONDS = 1.0  # servers close idle keep-alive connections (uvicorn: 5 s)

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def call(self, call: Call) -> tuple[int, bytes]:
        if self.writer is not None and time.perf_counter() - self.last_used > self.IDLE_SECONDS:
            self.close()
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        try:
            self.writer.write(self._request(call))
            status, body, keep = await self._response(self.reader)
        except BaseException:
            self.close()
            raise
        self.last_used = time.perf_counter()
        if not keep:
            self.close()
        return status, body

    def _request(self, call: Call) -> bytes:
        lines = [f"{call.method} {call.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if call.token:
            lines.append(f"Authorization: Bearer {call.token}")
        if call.body or call.method in ("POST", "PUT", "PATCH"):
            lines += ["Content-Type: application/json", f"Content-Length: {len(call.body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + call.body

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, keep = 0, False, True
        for line in head.lower().split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection" and b"close" in value:
                keep = False
        if not chunked:
            return status, await reader.readexactly(length), keep
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append((await reader.readexactly(size + 2))[:-2])
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        return status, b"".join(parts), keep


class RawClient:
    """One RawConnection per worker."""

    errors = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)

    def __init__(self, port: int) -> None:
        self.port = port
        self._connections: dict[int, RawConnection] = {}

    async def call(self, worker: int, call: Call) -> tuple[int, bytes]:
        connection = self._connections.get(worker)
        if connection is None:
            connection = self._connections[worker] = RawConnection(HOST, self.port)
        async with asyncio.timeout(60):
            return await connection.call(call)

    async def close(self) -> None:
        for connection in self._connections.values():
            connection.close()


class HttpxClient:
    """``httpx.AsyncClient`` with keep-alive connections limited to the concurrency."""

    errors = (httpx.HTTPError, OSError)

    def __init__(self, port: int, connections: int = 64) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._client = httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}", limits=limits, timeout=60
        )

    async def call(self, worker: int, call: Call) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
        if call.body:
            headers["Content-Type"] = "application/json"
        response = await self._client.request(
            call.method, call.path, headers=headers, content=call.body or None
        )
        return response.status_code, response.content

    async def close(self) -> None:
        await self._client.aclose()


Client = RawClient | HttpxClient


# --- load ---------------------------------------------------------------------------------


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


# --- data -------------------------------------------------------------------------------


class Seeder:
    """Inserts service-shaped users with ``insert_many`` in batches of 1000."""

    def __init__(self, collection: Any, rng: random.Random, password_hash: str) -> None:
        self.collection = collection
        self.rng = rng
        self.password_hash = password_hash
        self.ids: list[str] = []
        self.emails: list[str] = []
        self.login_emails: list[str] = []
        self.clock = time.time() * 1000 - 86_400_000.0  # a day ago, increasing

    def _name(self) -> str:
        first = self.rng.choice(FIRST_NAMES)
        if self.rng.random() < 0.2:
            first = f"{first} {self.rng.choice(FIRST_NAMES)}"
        return f"{first} {self.rng.choice(LAST_NAMES)}"

    def _document(self) -> dict[str, Any]:
        number = len(self.ids)
        name = self._name()
        self.clock += self.rng.uniform(0.5, 1.5)
        document: dict[str, Any] = {
            "_id": str(ObjectId()),
            "_creationTime": self.clock,
            "name": name,
            "email": f"{'.'.join(tokenize(name))}.{number}@example.com",
            "role": self.rng.choice(ROLES),
            "permissions": [],
            "isActive": True,
            "createdAt": datetime.fromtimestamp(self.clock / 1000, UTC)
            .isoformat()
            .replace("+00:00", "Z"),
            "searchTokens": search_tokens(name),
        }
        if len(self.login_emails) < LOGIN_BURST:
            document["passwordHash"] = self.password_hash
            self.login_emails.append(document["email"])
        self.ids.append(document["_id"])
        self.emails.append(document["email"])
        return document

    async def grow(self, total: int) -> float:
        """Insert users until ``total`` exist; returns the seconds it took."""
        began = time.perf_counter()
        while len(self.ids) < total:
            batch = [self._document() for _ in range(min(BATCH, total - len(self.ids)))]
            await self.collection.insert_many(batch)
        return time.perf_counter() - began


# --- the bench ------------------------------------------------------------------------------


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


# --- figure 1-3: reads by ID --------------------------------------------------------------


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
    """Figure 3: POST batch-get of 100 IDs (documents/s) vs single GETs (documents/s),
    and the database's own ``$in`` rate in the same rounds."""
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
        single_calls = _get_calls(bench, sizes.get_requests)
        single = await bench.measured(
            "granian", bench.http("granian", single_calls), sizes.get_requests
        )
        singles.append(single.rate)
        floor.append((await _batch_floor_round(bench, sizes.batch_requests)).rate * 100)
    bench.add("batch_get.documents_rate", "docs/s", docs)
    bench.add("batch_get.cpu_per_document", "µs/doc", cpu)
    bench.add("batch_get.floor.find_in_rate", "docs/s", floor)
    bench.add("batch_get.vs_floor", "ratio", ratios(docs, floor))
    bench.add("batch_get.vs_single_gets", "ratio", ratios(docs, singles), target=10.0)


# --- figure 4: scale curves -------------------------------------------------------------------


SCALE_METRICS = ("by_email", "search_one_term", "search_two_terms", "list_first_page")


def _scale_calls(bench: Bench, metric: str, count: int) -> Callable[[int], Call]:
    token = bench.admin_token
    if metric == "by_email":
        emails = [bench.rng.choice(bench.seeder.emails) for _ in range(count)]
        return lambda i: Call(
            "GET", f"/api/users/by-email?email={urllib.parse.quote(emails[i])}", token
        )
    path = {
        "search_one_term": "/api/users?search=ay&withTotal=false",
        "search_two_terms": "/api/users?search=ayse%20yil&withTotal=false",
        "list_first_page": "/api/users?limit=100&withTotal=false",
    }[metric]
    return lambda i: Call("GET", path, token)


async def _p50_rounds(bench: Bench, calls: Callable[[int], Call], count: int) -> list[float]:
    """p50 (ms) of ``count`` single requests, per round."""
    values = []
    for _ in range(bench.sizes.rounds):
        operation = bench.http("granian", calls)
        result = await bench.measured("granian", operation, count, 1, bench.sizes.scale_seconds)
        values.append(result.ms(0.50))
    return values


async def scale_point(bench: Bench, size: int) -> dict[str, list[float]]:
    count = bench.sizes.scale_requests
    points = {}
    for metric in SCALE_METRICS:
        points[metric] = await _p50_rounds(bench, _scale_calls(bench, metric, count), count)
        bench.add(f"scale.{metric}.p50@{size // 1000}k", "ms", points[metric])
    return points


async def deep_page(bench: Bench, size: int) -> list[float]:
    """Walk the list in pages of 100 towards page ``deep_page`` (bounded in time),
    then time the page reached."""
    base = "/api/users?limit=100&withTotal=false"
    cursor, page_number, began = "", 1, time.perf_counter()
    deadline = began + bench.sizes.walk_seconds
    while page_number < bench.sizes.deep_page and time.perf_counter() < deadline:
        page = await bench.get(base + cursor, bench.admin_token)
        cursor = "&cursor=" + urllib.parse.quote(page["continueCursor"], safe="")
        page_number += 1
    walk = (time.perf_counter() - began) / max(1, page_number - 1) * 1000
    bench.notes.append(
        f"list walk at {size:,} users: page {page_number} reached (of {bench.sizes.deep_page}, "
        f"at most {bench.sizes.walk_seconds:.0f} s), {walk:.0f} ms per page on the way; "
        "scale.list_deep_page times that page"
    )
    calls = lambda i: Call("GET", base + cursor, bench.admin_token)  # noqa: E731
    values = await _p50_rounds(bench, calls, bench.sizes.scale_requests)
    bench.add(f"scale.list_deep_page.p50@{size // 1000}k", "ms", values)
    return values


async def figure_scale(bench: Bench) -> None:
    """Figure 4: latencies at 1k, 10k (, 100k) users; ratios largest/1k."""
    curves: dict[int, dict[str, list[float]]] = {}
    for size in bench.sizes.scale_users:
        seconds = await bench.seeder.grow(size)
        bench.notes.append(f"seeded to {size:,} users in {seconds:.1f} s")
        curves[size] = await scale_point(bench, size)
        if not bench.time_left():
            bench.notes.append(f"scale curve stopped at {size:,} users (time budget)")
            break
    smallest, largest = min(curves), max(curves)
    label = f"{largest // 1000}k/{smallest // 1000}k"
    for metric in SCALE_METRICS:
        bench.add(
            f"scale.{metric}.ratio_{label}",
            "ratio",
            ratios(curves[largest][metric], curves[smallest][metric]),
            target=1.5,
            at_least=False,
        )
    deep = await deep_page(bench, largest)
    bench.add(
        f"scale.list_deep_page.ratio_{label}",
        "ratio",
        ratios(deep, curves[smallest]["list_first_page"]),
        target=1.5,
        at_least=False,
    )


# --- figure 5: logins -----------------------------------------------------------------------


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
    pids = descendants(bench.services["granian"].pid)  # granian: main process + worker
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


# --- set-up and tear-down ----------------------------------------------------------------


@contextlib.contextmanager
def database_server(temp: Path) -> Iterator[tuple[str, EmbeddedEngine | None]]:
    """APP_MONGODB_URL if set, else our own nx-27017 engine (stopped at the end)."""
    url = os.environ.get("APP_MONGODB_URL")
    if url:
        yield url, None
        return
    engine = EmbeddedEngine(temp / "engine", port=free_port())
    try:
        engine.start()
        yield engine.url, engine
    finally:
        engine.stop()


def service_env(url: str, database: str, port: int, token: str, admin: tuple[str, str]) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "APP_ACCESS_LOG"}
    env.update(
        APP_MONGODB_URL=url,
        APP_DATABASE=database,
        APP_PORT=str(port),
        APP_HOST=HOST,
        APP_SERVICE_TOKENS=f"bench:{token}",
        APP_COOKIE_SECURE="false",
        APP_BOOTSTRAP_ADMIN_EMAIL=admin[0],
        APP_BOOTSTRAP_ADMIN_PASSWORD=admin[1],
        APP_CURSOR_SECRET=CURSOR_SECRET,
        PYTHONUNBUFFERED="1",
    )
    return env


def make_services(
    temp: Path, url: str, database: str, token: str, admin: tuple[str, str], with_uvicorn: bool
) -> dict[str, Service]:
    port = free_port()
    env = service_env(url, database, port, token, admin)
    services = {
        "granian": Service(
            "granian", [sys.executable, "-m", "app"], env, port, temp / "granian.log"
        )
    }
    uvicorn = Path(sys.executable).with_name("uvicorn")
    if with_uvicorn and uvicorn.exists():
        port = free_port()
        command = [
            str(uvicorn),
            "--factory",
            "app.asgi:create_app",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--no-proxy-headers",
        ]
        env = service_env(url, database, port, token, admin)
        services["uvicorn"] = Service("uvicorn", command, env, port, temp / "uvicorn.log")
    return services


async def start_services(services: dict[str, Service], notes: list[str], uvicorn: bool) -> None:
    """granian first (it creates the indexes and the admin); uvicorn is optional."""
    await services["granian"].start()
    if "uvicorn" not in services:
        why = "not installed (`uv add --dev uvicorn`)" if uvicorn else "skipped (--no-uvicorn)"
        notes.append(f"uvicorn: {why}; no server comparison")
        return
    try:
        await services["uvicorn"].start()
    except (RuntimeError, OSError) as exc:
        notes.append(f"uvicorn: did not start, skipped ({str(exc)[:300]})")
        services.pop("uvicorn").stop()


async def engine_version(mongo: AsyncMongoClient[dict[str, Any]], own: bool) -> str:
    reported = "?"
    for command in ("buildInfo", "serverStatus"):  # nx-27017 answers only the second
        with contextlib.suppress(Exception):
            reported = str((await mongo.admin.command(command))["version"])
            break
    if own:
        return f"nx-27017 {package_version('nx-27017')} (reports MongoDB {reported})"
    return f"external server, MongoDB {reported}"


async def admin_login(client: Client, admin: tuple[str, str]) -> str:
    body = json.dumps({"email": admin[0], "password": admin[1]}).encode()
    status, raw = await client.call(1001, Call("POST", "/api/auth/login", body=body))
    if status != 200:
        raise RuntimeError(f"admin login failed: {status} {raw[:300]!r}")
    token: str = json.loads(raw)["data"]["session"]["token"]
    return token


def make_client(kind: str, port: int) -> Client:
    return HttpxClient(port) if kind == "httpx" else RawClient(port)


# --- output --------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 1 else f"{value:.3f}"


def print_table(figures: list[Figure]) -> None:
    width = max(len(f.name) for f in figures)
    header = ("name".ljust(width), "median", "min", "max", "unit", "target", "met")
    print(
        f"{header[0]}  {header[1]:>9} {header[2]:>9} {header[3]:>9}  {header[4]:<9}"
        f" {header[5]:>9}  {header[6]}"
    )
    for fig in figures:
        target = "" if fig.target is None else ("≥ " if fig.at_least else "≤ ") + _fmt(fig.target)
        met = "" if fig.met is None else ("yes" if fig.met else "NO")
        print(
            f"{fig.name.ljust(width)}  {_fmt(fig.value):>9} {_fmt(min(fig.rounds)):>9} "
            f"{_fmt(max(fig.rounds)):>9}  {fig.unit:<9} {target:>9}  {met}"
        )


def print_header(bench: Bench, engine: str, client: str, users: int) -> None:
    sizes = bench.sizes
    print("Panel Users Service benchmark")
    print(f"machine:  {machine_line()}")
    print(f"versions: {versions_line(engine)}")
    print(
        f"method:   fresh database '{bench.database}'; service = `python -m app` (granian, "
        f"1 worker){' + uvicorn 1 worker' if 'uvicorn' in bench.services else ''} in separate "
        f"processes; load from this process ({client} client, keep-alive, closed loop); "
        f"{sizes.rounds} rounds per figure (median, min, max); concurrency {CONCURRENCY} "
        f"for reads, 1 for scale latencies and the /me probe, {LOGIN_CONCURRENCY} for "
        f"logins/s, {LOGIN_BURST} for the memory burst; figures 1-3 at {users:,} users"
    )


def report(bench: Bench, output: Path) -> None:
    print()
    print_table(bench.figures)
    if bench.client_cpu_us:
        print(
            f"\nload generator CPU: {statistics.median(bench.client_cpu_us):.0f} µs/request "
            "(GET by ID runs, median)"
        )
    for note in bench.notes:
        print(f"note: {note}")
    if bench.problems:
        print("FAILED requests (the first ones; the figures leave them out):")
        for problem in bench.problems:
            print(f"  {problem}")
    output.write_text(json.dumps([f.record() for f in bench.figures], indent=2) + "\n")
    print(f"\nwrote {output}")


def compare_servers(bench: Bench) -> None:
    """Which server served GET by ID faster; a tie when the per-round ratios straddle 1."""
    by_name = {f.name: f for f in bench.figures}
    ratio = by_name.get("get_by_id.uvicorn_vs_granian")
    if ratio is None:
        return
    rates = (
        f"granian {by_name['get_by_id.granian.rate'].value:,.0f} req/s, "
        f"uvicorn {by_name['get_by_id.uvicorn.rate'].value:,.0f} req/s"
    )
    if min(ratio.rounds) < 1 < max(ratio.rounds):
        verdict = f"no clear winner: uvicorn/granian per round {min(ratio.rounds):.2f}"
        verdict += f"-{max(ratio.rounds):.2f}"
    elif ratio.value > 1:
        verdict = f"uvicorn is faster by {ratio.value - 1:.0%} (every round)"
    else:
        verdict = f"granian is faster by {1 / ratio.value - 1:.0%} (every round)"
    bench.notes.append(f"GET by ID servers: {verdict} ({rates})")


# --- main -------------------------------------------------------------------------------------


FIGURES: list[tuple[str, Callable[[Bench], Awaitable[None]]]] = [
    ("scale curves", figure_scale),
    ("reads by ID, CPU", figure_reads),
    ("batch get", figure_batch),
    ("logins", figure_logins),
]


async def run_figures(bench: Bench, started: float) -> None:
    for title, figure in FIGURES:
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
    rng = random.Random(args.seed)  # noqa: S311 - test data, not secrets
    database = f"bench_{secrets.token_hex(6)}"
    token = secrets.token_hex(20)
    admin = ("bench-admin@example.com", secrets.token_urlsafe(18))
    password_hash = PasswordHasher().hash(LOGIN_PASSWORD)
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as temp_dir,
        database_server(Path(temp_dir)) as (url, engine),
    ):
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, maxPoolSize=64)
        services = make_services(Path(temp_dir), url, database, token, admin, not args.no_uvicorn)
        clients: dict[str, Client] = {}
        try:
            notes: list[str] = []
            await start_services(services, notes, not args.no_uvicorn)
            clients = {name: make_client(args.client, s.port) for name, s in services.items()}
            bench = Bench(
                sizes=sizes,
                mongo=mongo,
                database=database,
                seeder=Seeder(mongo[database]["users"], rng, password_hash),
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
            await run_figures(bench, started)
            report(bench, Path(args.output))
        finally:
            for client in clients.values():
                await client.close()
            for service in services.values():
                service.stop()
            with contextlib.suppress(Exception):
                await mongo.drop_database(database)
            await mongo.close()
    return 1 if bench.problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (< 5 min, 2 cores)")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator HTTP client (default: raw asyncio streams)",
    )
    parser.add_argument("--no-uvicorn", action="store_true", help="skip the uvicorn comparison")
    parser.add_argument("--output", default="bench-results.json")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        return asyncio.run(run(args))
    return asyncio.run(run(args), loop_factory=uvloop.new_event_loop)


if __name__ == "__main__":
    sys.exit(main())
