"""Figure 6: the session path. Service CPU per ``GET /api/auth/me`` (a session
token) against per ``GET /api/users/{id}`` (a service token), at 8 and at 32
connections, interleaved in the same rounds. Each worker signs in with a
session of its own (sessions of seeded users, inserted directly: their tokens
are known), so concurrent ``me`` requests look up different sessions, as
concurrent GETs look up different users."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from app.config import DEFAULT_CONVEX_TABLE_NUMBERS
from app.documents.ids import mint
from app.security.tokens import hash_token, new_public_id, new_token
from tests.bench.clients import Call
from tests.bench.context import Bench
from tests.bench.stats import ratios

SESSIONS = 256
LEVELS = (8, 32)
SESSIONS_TABLE = DEFAULT_CONVEX_TABLE_NUMBERS["user_sessions"]


async def seed_sessions(bench: Bench, count: int = SESSIONS) -> list[str]:
    """``count`` live sessions of distinct seeded users; returns their tokens."""
    now = bench.seeder.clock
    tokens, documents = [], []
    for user_id in bench.rng.sample(bench.seeder.ids, count):
        token = new_token()
        tokens.append(token)
        documents.append(
            {
                "_id": mint(SESSIONS_TABLE),
                "_creationTime": now,
                "user_id": user_id,
                "session_id": new_public_id(),
                "token_hash": hash_token(token),
                "ip_address": "127.0.0.1",
                "created_at": now,
                "last_activity": now + 86_400_000.0,  # no touch write during the bench
                "expires_at": now + 30 * 86_400_000.0,
                "is_active": True,
            }
        )
    await bench.mongo[bench.database]["sessions"].insert_many(documents)
    return tokens


def _me_calls(tokens: list[str], count: int) -> Callable[[int], Call]:
    picks = [secrets.choice(tokens) for _ in range(count)]
    return lambda i: Call("GET", "/api/auth/me", picks[i])


def _get_calls(bench: Bench, count: int) -> Callable[[int], Call]:
    picks = [bench.rng.choice(bench.seeder.ids) for _ in range(count)]
    return lambda i: Call("GET", f"/api/users/{picks[i]}", bench.service_token)


async def figure_session(bench: Bench) -> None:
    """CPU per me / CPU per GET by ID, per round, at 8 and 32 connections."""
    tokens = await seed_sessions(bench)
    # Steady state: sessions live for hours, so the service has met each token
    # before (a token's first request also looks it up by its hash).
    warm = bench.http("granian", lambda i: Call("GET", "/api/auth/me", tokens[i]))
    await bench.measured("granian", warm, len(tokens), 8)
    count = bench.sizes.get_requests
    for level in LEVELS:
        me_cpu: list[float] = []
        get_cpu: list[float] = []
        me_rate: list[float] = []
        for _ in range(bench.sizes.rounds):
            get = bench.http("granian", _get_calls(bench, count))
            result = await bench.measured("granian", get, count, level)
            get_cpu.append(result.cpu_us(result.server_cpu))
            me = bench.http("granian", _me_calls(tokens, count))
            result = await bench.measured("granian", me, count, level)
            me_cpu.append(result.cpu_us(result.server_cpu))
            me_rate.append(result.rate)
        bench.add(f"session.me.c{level}.rate", "req/s", me_rate)
        bench.add(f"session.me.c{level}.cpu", "µs/req", me_cpu)
        bench.add(f"session.get_by_id.c{level}.cpu", "µs/req", get_cpu)
        bench.add(
            f"session.me_vs_get_by_id.c{level}",
            "ratio",
            ratios(me_cpu, get_cpu),
            target=1.5,
            at_least=False,
        )
