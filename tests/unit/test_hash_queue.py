"""The hashing queue: bounded, fair per client, refusing before it waits."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app.errors import ServiceBusy, TooManyAttempts
from app.security.hash_queue import HashQueue


async def test_clients_take_turns() -> None:
    queue = HashQueue(1, per_client=10, max_admitted=100)
    gate = threading.Event()
    order: list[str] = []

    def job(name: str) -> str:
        gate.wait(5)
        order.append(name)
        return name

    flood = [asyncio.create_task(queue.run("flood", job, f"f{n}")) for n in range(8)]
    await asyncio.sleep(0.05)
    other = asyncio.create_task(queue.run("other", job, "o"))
    await asyncio.sleep(0.05)
    gate.set()
    await asyncio.gather(*flood, other)
    # One flood job was already running; the other client goes next.
    assert order[:2] == ["f0", "o"]
    queue.close()


async def test_a_client_over_its_share_is_refused_at_once() -> None:
    queue = HashQueue(1, per_client=2, max_admitted=100)
    gate = threading.Event()
    held = [asyncio.create_task(queue.run("a", gate.wait, 5)) for _ in range(2)]
    await asyncio.sleep(0.05)
    with pytest.raises(TooManyAttempts) as refused:
        await queue.run("a", gate.wait, 5)
    assert refused.value.code == "RATE_LIMITED"
    other = asyncio.create_task(queue.run("b", lambda: "b's turn"))  # admitted
    gate.set()
    await asyncio.gather(*held)
    assert await other == "b's turn"
    queue.close()


async def test_a_full_queue_answers_busy() -> None:
    queue = HashQueue(1, per_client=1, max_admitted=3)
    gate = threading.Event()
    held = [asyncio.create_task(queue.run(f"c{n}", gate.wait, 5)) for n in range(3)]
    await asyncio.sleep(0.05)
    with pytest.raises(ServiceBusy):
        await queue.run("late", gate.wait, 5)
    gate.set()
    await asyncio.gather(*held)
    assert await queue.run("late", lambda: 42) == 42
    queue.close()


async def test_a_request_that_left_costs_no_hash() -> None:
    queue = HashQueue(1, per_client=5, max_admitted=10)
    gate = threading.Event()
    ran: list[int] = []
    first = asyncio.create_task(queue.run("a", gate.wait, 5))
    gone = asyncio.create_task(queue.run("a", ran.append, 1))
    await asyncio.sleep(0.05)
    gone.cancel()
    gate.set()
    await first
    assert await queue.run("a", lambda: "next") == "next"
    assert ran == []
    queue.close()
