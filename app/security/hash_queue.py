"""A bounded, per-client fair queue in front of the password-hashing threads.

Hashes are slow on purpose (≈100 ms of CPU each), so a flood of logins from
one client would, in a plain FIFO, push everyone else's login back by the
whole flood (25 s for 300 requests in the 2026-11 probe). Here each client
(its address) has at most ``per_client`` password checks admitted at once,
the whole queue at most ``max_admitted``, and the threads take jobs round
robin over the clients: a legitimate login waits for
at most one job of each other client. Beyond the limits a request is refused
at once (429 for the client over its share, 503 when the whole queue is
full), before it waits, never after.

The threads run at the process's own priority. Each hash uses one core
(``app.security.argon2_inline``), so ``workers`` (half the cores by default)
leave the other cores to request handling; at nice 10, as before, any other
runnable work took the hashing core first and 8 logins beside 200 ``me``/s
reached about half their rate alone (README, "Performance").
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from app.errors import ErrorCode, ServiceBusy, TooManyAttempts
from app.metrics import (
    HASH_QUEUE_ADMITTED,
    HASH_QUEUE_REFUSED,
    HASH_QUEUE_RUNNING,
    HASH_QUEUE_WAIT,
    HASH_QUEUE_WAITING,
)


@dataclass
class _Job:
    future: asyncio.Future[Any]
    function: Callable[..., Any]
    args: tuple[Any, ...]
    queued_at: float


class Ticket:
    """A client's admission to the queue: held for a whole password check
    (lockout bookkeeping included), so a refused flood costs no database work."""

    def __init__(self, queue: HashQueue, client: str) -> None:
        self._queue = queue
        self.client = client

    async def run[T](self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a hashing thread, in this client's turn."""
        return await self._queue._enqueue(self.client, function, args)


class HashQueue:
    def __init__(self, workers: int, *, per_client: int, max_admitted: int) -> None:
        self.workers = max(1, workers)
        self.per_client = max(1, per_client)
        self.max_admitted = max(1, max_admitted)
        self._pool = ThreadPoolExecutor(
            max_workers=self.workers,
            thread_name_prefix="password-hash",
        )
        self._queues: OrderedDict[str, deque[_Job]] = OrderedDict()
        self._held: dict[str, int] = {}
        self._admitted = 0
        self._waiting = 0
        self._running = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    @contextlib.contextmanager
    def admit(self, client: str) -> Iterator[Ticket]:
        """Admit a client, or refuse at once: 429 over its share, 503 when full."""
        if self._held.get(client, 0) >= self.per_client:
            HASH_QUEUE_REFUSED.labels("client_share").inc()
            raise TooManyAttempts(ErrorCode.RATE_LIMITED, 1)
        if self._admitted >= self.max_admitted:
            HASH_QUEUE_REFUSED.labels("full").inc()
            raise ServiceBusy()
        self._held[client] = self._held.get(client, 0) + 1
        self._admitted += 1
        HASH_QUEUE_ADMITTED.inc()
        try:
            yield Ticket(self, client)
        finally:
            self._admitted -= 1
            HASH_QUEUE_ADMITTED.dec()
            left = self._held[client] - 1
            if left:
                self._held[client] = left
            else:
                del self._held[client]

    async def run[T](self, client: str, function: Callable[..., T], *args: Any) -> T:
        with self.admit(client) as ticket:
            return await ticket.run(function, *args)

    async def _enqueue[T](
        self, client: str, function: Callable[..., T], args: tuple[Any, ...]
    ) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if client not in self._queues:
            self._queues[client] = deque()
            # Nothing of this client's waits: it goes before those being served.
            self._queues.move_to_end(client, last=False)
        self._queues[client].append(_Job(future, function, args, time.perf_counter()))
        self._waiting += 1
        HASH_QUEUE_WAITING.inc()
        self._dispatch()
        return await future

    def _dispatch(self) -> None:
        while self._running < self.workers and self._queues:
            client, queue = next(iter(self._queues.items()))
            job = queue.popleft()
            if queue:
                self._queues.move_to_end(client)  # round robin
            else:
                del self._queues[client]
            self._waiting -= 1
            HASH_QUEUE_WAITING.dec()
            if job.future.done():  # its request went away while waiting
                continue
            HASH_QUEUE_WAIT.observe(time.perf_counter() - job.queued_at)
            self._running += 1
            HASH_QUEUE_RUNNING.inc()
            done = asyncio.wrap_future(self._pool.submit(job.function, *job.args))
            done.add_done_callback(functools.partial(self._finished, job))

    def _finished(self, job: _Job, result: asyncio.Future[Any]) -> None:
        self._running -= 1
        HASH_QUEUE_RUNNING.dec()
        if not job.future.done():
            if result.cancelled():
                job.future.cancel()
            elif (exc := result.exception()) is not None:
                job.future.set_exception(exc)
            else:
                job.future.set_result(result.result())
        self._dispatch()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
