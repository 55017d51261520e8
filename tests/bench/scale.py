"""Figure 4: latencies as the users grow 1k → 10k (→ 100k), and the list walk
to a deep page."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable

from tests.bench.clients import Call
from tests.bench.context import Bench
from tests.bench.stats import ratios

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


def _target(metric: str, largest: int) -> float:
    """Issue 13: search may grow 2x to 100,000 users (1.5x to 10,000)."""
    return 2.0 if metric.startswith("search") and largest > 10_000 else 1.5


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
            target=_target(metric, largest),
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
