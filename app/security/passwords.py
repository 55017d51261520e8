"""Password hashing: argon2id for new hashes, bcrypt to verify the panel's legacy ones.

Every hash and verify runs in ``hash_concurrency`` worker threads behind a
fair, bounded queue (``app.security.hash_queue``): argon2id takes
``memory_kib`` of memory per call, so a burst of logins can neither exhaust
memory nor stall the event loop. Each hash is computed in its worker thread
alone (``app.security.argon2_inline``: one core per hash, not one thread per
lane), so request handling keeps the other cores while hashes run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import bcrypt
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import Settings
from app.errors import ValidationError
from app.field_problems import FieldProblem
from app.security.argon2_inline import InlineArgon2id
from app.security.hash_queue import HashQueue, Ticket

MAX_PASSWORD_BYTES = 1024
# bcrypt only ever looked at the first 72 bytes, and bcrypt >= 5 refuses
# longer input. Legacy hashes are checked against those 72 bytes, exactly as
# they were created; the first successful login replaces the hash with
# argon2id over the whole password.
BCRYPT_MAX_BYTES = 72
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


def check_password_input(password: str, field: str = "password") -> bytes:
    """400 before any hashing for empty or oversized passwords."""
    encoded = password.encode()
    if not encoded:
        raise ValidationError.field(field, FieldProblem.EMPTY)
    if len(encoded) > MAX_PASSWORD_BYTES:
        raise ValidationError.field(field, FieldProblem.TOO_LONG_BYTES, limit=MAX_PASSWORD_BYTES)
    return encoded


@dataclass(frozen=True)
class Verification:
    ok: bool
    needs_rehash: bool = False


INTERNAL_CLIENT = "internal"
# Measurements of a hash at start-up, to set the time floor of a check.
_CALIBRATION_RUNS = 3


class Passwords:
    def __init__(self, settings: Settings) -> None:
        # One core per hash: the lanes in the hashing thread (app/security/argon2_inline.py).
        self._hasher = InlineArgon2id(
            settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
        )
        self.queue = HashQueue(
            settings.hash_concurrency,
            per_client=settings.hash_queue_per_client,
            max_admitted=settings.hash_queue_max,
        )
        self._legacy_cost = settings.legacy_bcrypt_cost
        self._dummy_hash: str | None = None
        # Every check takes at least this long (see ``calibrate``).
        self.floor_seconds = 0.0

    def close(self) -> None:
        self.queue.close()

    def admit(self, client: str) -> AbstractContextManager[Ticket]:
        """A client's turn in the hashing queue, for a check of several steps."""
        return self.queue.admit(client)

    async def hash(self, password: str, by: str | Ticket = INTERNAL_CLIENT) -> str:
        check_password_input(password)
        return await self._run(by, self._hasher.hash, password)

    async def _run[T](self, by: str | Ticket, function: Callable[..., T], *args: Any) -> T:
        if isinstance(by, Ticket):
            return await by.run(function, *args)
        return await self.queue.run(by, function, *args)

    def _verify_sync(self, stored_hash: str, password: str) -> tuple[Verification, float]:
        started = time.perf_counter()
        verification = self._check(stored_hash, password)
        return verification, time.perf_counter() - started

    def _check(self, stored_hash: str, password: str) -> Verification:
        if stored_hash.startswith(_BCRYPT_PREFIXES):
            candidate = password.encode()[:BCRYPT_MAX_BYTES]
            try:
                ok = bcrypt.checkpw(candidate, stored_hash.encode())
            except ValueError:
                return Verification(ok=False)
            return Verification(ok=ok, needs_rehash=ok)
        try:
            self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return Verification(ok=False)
        return Verification(ok=True, needs_rehash=self._hasher.check_needs_rehash(stored_hash))

    async def verify(
        self, stored_hash: str, password: str, by: str | Ticket = INTERNAL_CLIENT
    ) -> Verification:
        """Check a password in this client's turn, taking at least ``floor_seconds``
        of computing (the padding is a sleep, not CPU)."""
        check_password_input(password)
        verification, took = await self._run(by, self._verify_sync, stored_hash, password)
        if took < self.floor_seconds:
            await asyncio.sleep(self.floor_seconds - took)
        return verification

    async def warm_up(self) -> None:
        """Compute the dummy hash and the time floor at start-up, so even the first
        unknown-account login costs what a known one does."""
        if self._dummy_hash is not None:
            return
        self._dummy_hash = await self.hash("dummy password for unknown accounts")
        self.floor_seconds = await asyncio.get_running_loop().run_in_executor(None, self._calibrate)

    def _calibrate(self) -> float:
        """The slowest check an account can need: an argon2id verify at today's
        parameters, or a bcrypt verify at the highest legacy cost
        (``APP_LEGACY_BCRYPT_COST``). Unknown emails and accounts of every
        kind then answer in the same time: a cost-10 bcrypt account answered
        in 0.64x and a cost-12 one in 2.18x of an unknown email before."""
        assert self._dummy_hash is not None
        samples = [self._dummy_hash]
        if self._legacy_cost:
            legacy = bcrypt.hashpw(b"calibration", bcrypt.gensalt(rounds=max(4, self._legacy_cost)))
            samples.append(legacy.decode())
        slowest = 0.0
        for stored in samples:
            runs = sorted(
                self._verify_sync(stored, "not the password")[1] for _ in range(_CALIBRATION_RUNS)
            )
            slowest = max(slowest, runs[len(runs) // 2])
        return slowest

    async def dummy_verify(self, password: str, by: str | Ticket = INTERNAL_CLIENT) -> None:
        """Spend what a real verify costs, so timing does not reveal unknown accounts."""
        await self.warm_up()
        assert self._dummy_hash is not None
        await self.verify(self._dummy_hash, password, by)
