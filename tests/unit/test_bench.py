"""Pieces of the bench (tests/bench) that decide its output without a server:
the figures' records, the raw HTTP client, the seeded users, the sub-commands."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest

from app.users.search import search_tokens
from tests.bench import __main__ as entry
from tests.bench import micro
from tests.bench.clients import Call, RawConnection
from tests.bench.plan import LOGIN_BURST
from tests.bench.seed import Seeder
from tests.bench.stats import Figure, percentile, ratios


def test_figure_records_keep_the_fields_of_bench_results_json() -> None:
    target = Figure("get_by_id.granian.vs_floor", "ratio", [1.2, 1.6, 1.5], target=0.7)
    assert list(target.record()) == ["name", "value", "unit", "target", "met", "min", "max"]
    assert target.record()["value"] == 1.5 and target.record()["met"] is True
    bounded = Figure("cpu.ratio", "ratio", [3.5, 2.0, 3.2], target=3.0, at_least=False)
    assert bounded.record()["met"] is False  # median 3.2 > 3
    plain = Figure("get_by_id.granian.rate", "req/s", [3000.0, 3500.0])
    assert list(plain.record()) == ["name", "value", "unit", "min", "max"]
    json.dumps([target.record(), plain.record()])


def test_percentile_is_nearest_rank_and_ratios_are_per_round() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile(values, 1)) == (
        50.0,
        99.0,
        100.0,
    )
    assert ratios([4.0, 9.0, 1.0], [2.0, 3.0, 0.0]) == [2.0, 3.0]


async def test_raw_connection_reads_lengths_chunks_and_closes() -> None:
    responses = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst",
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nsec\r\n4;ext=1\r\nond!\r\n0\r\nX-Trailer: t\r\n\r\n",
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
    ]
    requests: list[bytes] = []
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while responses:
            head = await reader.readuntil(b"\r\n\r\n")
            lengths = [line[15:] for line in head.split(b"\r\n") if b"Content-Length" in line]
            length = int(lengths[0]) if lengths else 0
            requests.append(head + await reader.readexactly(length))
            writer.write(responses.pop(0))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    connection = RawConnection("127.0.0.1", port)
    async with server, asyncio.timeout(10):
        assert await connection.call(Call("GET", "/a", token="t0k")) == (200, b"first")
        assert await connection.call(Call("POST", "/b", body=b'{"x":1}')) == (201, b"second!")
        assert await connection.call(Call("DELETE", "/c")) == (404, b"no")
        assert connection.writer is None  # the server said Connection: close
    assert connections == 1  # keep-alive: one connection for all three
    assert requests[0].startswith(b"GET /a HTTP/1.1\r\n") and b"Bearer t0k" in requests[0]
    assert requests[1].endswith(b'Content-Length: 7\r\n\r\n{"x":1}')
    assert b"Content-Length" not in requests[2]  # a DELETE without a body sends none


class Collection:
    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    async def insert_many(self, batch: list[dict[str, Any]]) -> None:
        self.documents.extend(batch)


async def test_seeded_users_are_service_shaped_and_the_same_for_one_seed() -> None:
    first, second = Collection(), Collection()
    await Seeder(first, random.Random(1), "hash").grow(1500)
    await Seeder(second, random.Random(1), "hash").grow(1500)
    assert [d["email"] for d in first.documents] == [d["email"] for d in second.documents]
    assert len({d["email"] for d in first.documents}) == 1500
    user = first.documents[0]
    assert list(user) == [
        "_id",
        "_creationTime",
        "name",
        "email",
        "role",
        "permissions",
        "isActive",
        "createdAt",
        "searchTokens",
        "passwordHash",
    ]
    assert user["searchTokens"] == search_tokens(user["name"])
    assert user["createdAt"].endswith("Z")
    logins = [d for d in first.documents if "passwordHash" in d]
    assert logins == first.documents[:LOGIN_BURST]
    times = [d["_creationTime"] for d in first.documents]
    assert times == sorted(times)


def test_micro_is_a_sub_command_of_the_bench(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    for name in micro.PARTS:
        monkeypatch.setitem(micro.PARTS, name, lambda name=name: ran.append(name))
    assert entry.main(["micro"]) == 0
    assert ran == ["json-body", "input-checks", "observe"]
    assert entry.main(["micro", "input-checks"]) == 0
    assert ran[3:] == ["input-checks"]
    with pytest.raises(SystemExit) as refused:
        entry.main(["micro", "everything"])
    assert refused.value.code == 2


def test_the_chart_draws_the_scale_curves_and_the_floor_bars(tmp_path: Any) -> None:
    from tests.bench.chart import write_chart

    figures = [
        Figure("scale.search_one_term.p50@1k", "ms", [20.0, 21.0, 22.0]),
        Figure("scale.search_one_term.p50@10k", "ms", [24.0, 25.0, 29.0]),
        Figure("get_by_id.granian.rate", "req/s", [3500.0, 3577.0]),
        Figure("get_by_id.floor.find_one_rate", "req/s", [2200.0, 2249.0]),
        Figure("batch_get.documents_rate", "docs/s", [14083.0]),
        Figure("batch_get.floor.find_in_rate", "docs/s", [14327.0]),
        # the report's per-round ratio wins over the ratio of the medians
        Figure("batch_get.vs_floor", "ratio", [0.91, 0.93, 1.2]),
    ]
    chart = tmp_path / "docs" / "bench.svg"
    assert write_chart(figures, chart, "test run")
    svg = chart.read_text()
    assert svg.startswith("<?xml") and "Scale curves" in svg and "search_one_term" in svg
    assert "1.59×" in svg and "0.93×" in svg  # service / floor, per pair of bars
    assert "0.98×" not in svg
    assert not write_chart([Figure("login.rate", "logins/s", [8.0])], tmp_path / "x.svg", "t")
