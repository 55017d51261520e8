"""How much work each figure does, and the constants of the method."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

CONCURRENCY = 32
LOGIN_CONCURRENCY = 8
LOGIN_BURST = 64
LOGIN_PASSWORD = "bench password 1234"
BATCH = 1000
MIB = 1024 * 1024
CURSOR_SECRET = secrets.token_urlsafe(32)  # the same for both servers of one run


@dataclass(frozen=True)
class Sizes:
    """How much work each figure does; ``--quick`` must finish in ≈10 min on 2 cores."""

    rounds: int
    get_requests: int  # per round and server, also the floor's find_one count
    health_requests: int
    batch_requests: int  # POST batch-get of 100 ids (≈3 s a round at the engine's pace)
    scale_users: tuple[int, ...]
    scale_requests: int  # per metric, round and size (concurrency 1)
    scale_seconds: float  # upper bound of one such round
    scale_warmup_seconds: float  # unmeasured requests at each size first
    deep_page: int  # the page of the list walk that is timed
    walk_seconds: float  # upper bound of the walk to it
    logins: int  # per round, for logins/s
    load_logins: int  # per round and condition of the logins under load (≈8 s alone)
    me_requests: int  # per round and condition of the /me probe
    load_seconds: float  # upper bound of one load run
    total_seconds: float  # later figures are skipped past this


QUICK = Sizes(
    rounds=3,
    get_requests=3000,
    health_requests=3000,
    batch_requests=400,
    scale_users=(1_000, 10_000),
    scale_requests=60,
    scale_seconds=8,
    scale_warmup_seconds=15,
    deep_page=50,
    walk_seconds=60,
    logins=16,
    load_logins=48,
    me_requests=400,
    load_seconds=30,
    total_seconds=600,
)
FULL = Sizes(
    rounds=5,
    get_requests=10_000,
    health_requests=10_000,
    batch_requests=1000,
    scale_users=(1_000, 10_000, 100_000),
    scale_requests=100,
    scale_seconds=12,
    scale_warmup_seconds=20,
    deep_page=500,
    walk_seconds=300,
    logins=48,
    load_logins=96,
    me_requests=1000,
    load_seconds=90,
    total_seconds=2400,
)
