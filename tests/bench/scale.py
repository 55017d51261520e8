"""Figure 4: latencies as the users grow 1k → 10k (→ 100k), and the list walk
to a deep page."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable

from tests.bench.clients import Call
from tests.bench.context import Bench
from tests.bench.stats import ratios

SCALE_METRICS = (
    "by_email",
    "search_one_term",
    "search_two_terms",
    "search_two_terms_sparse",
    "list_first_page",
)
SEARCHES = {
    # A full page of 50 at every size (for "ayse yil", the seed's cohort).
    "search_one_term": "ay",
    "search_two_terms": "ayse yil",
    # Random names only: ≈1 result at 1k, ≈10 at 10k, a full page at 100k;
    # the page's own cost (one more user read and encoded per result) on
    # top of the lookup. Reported, no target.
    "search_two_terms_sparse": "fatma yil",
}


def _search_path(terms: str) -> str:
    return f"/api/users?search={urllib.parse.quote(terms)}&withTotal=false"


def _scale_calls(bench: Bench, metric: str, count: int) -> Callable[[int], Call]:
    token = bench.admin_token
    if metric == "by_email":
        emails = [bench.rng.choice(bench.seeder.emails) for _ in range(count)]
        return lambda i: Call(
            "GET", f"/api/users/by-email?email={urllib.parse.quote(emails[i])}", token
        )
    if metric in SEARCHES:
        path = _search_path(SEARCHES[metric])
    else:
        path = "/api/users?limit=100&withTotal=false"
    return lambda i: Call("GET", path, token)


async def _p50(bench: Bench, calls: Callable[[int], Call], count: int) -> float:
    """p50 (ms) of ``count`` single requests."""
    operation = bench.http("granian", calls)
    result = await bench.measured("granian", operation, count, 1, bench.sizes.scale_seconds)
    return result.ms(0.50)


async def _p50_rounds(bench: Bench, calls: Callable[[int], Call], count: int) -> list[float]:
    """p50 (ms) of ``count`` single requests, per round."""
    return [await _p50(bench, calls, count) for _ in range(bench.sizes.rounds)]


async def scale_point(bench: Bench, size: int) -> dict[str, list[float]]:
    """Each metric's p50 per round; the metrics take turns within a round
    (a slow spell of the machine spreads over all of them), after
    ``scale_warmup_seconds`` of unmeasured turns: the same 1,000 users
    measured three times in a row after start-up gave 12 → 10 → 8.5 ms for
    one search, so without it the first size looked slow."""
    count = bench.sizes.scale_requests
    calls = {metric: _scale_calls(bench, metric, count) for metric in SCALE_METRICS}
    warm_until = time.perf_counter() + bench.sizes.scale_warmup_seconds
    while time.perf_counter() < warm_until:
        for metric in SCALE_METRICS:
            await _p50(bench, calls[metric], 10)
    points: dict[str, list[float]] = {metric: [] for metric in SCALE_METRICS}
    for _ in range(bench.sizes.rounds):
        for metric in SCALE_METRICS:
            points[metric].append(await _p50(bench, calls[metric], count))
    for metric in SCALE_METRICS:
        bench.add(f"scale.{metric}.p50@{size // 1000}k", "ms", points[metric])
    found = []
    for terms in SEARCHES.values():
        page = await bench.get(_search_path(terms), bench.admin_token)
        found.append(f'"{terms}" {len(page["documents"])}')
    bench.notes.append(f"search results at {size:,} users (page of 50): " + ", ".join(found))
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
        target = {} if metric.endswith("_sparse") else {"target": _target(metric, largest)}
        bench.add(
            f"scale.{metric}.ratio_{label}",
            "ratio",
            ratios(curves[largest][metric], curves[smallest][metric]),
            at_least=False,
            **target,
        )
    deep = await deep_page(bench, largest)
    bench.add(
        f"scale.list_deep_page.ratio_{label}",
        "ratio",
        ratios(deep, curves[smallest]["list_first_page"]),
        target=1.5,
        at_least=False,
    )
