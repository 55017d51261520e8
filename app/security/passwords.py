"""Password hashing: argon2id for new hashes, bcrypt to verify the panel's legacy ones.

Every hash and verify runs in a pool of ``hash_concurrency`` worker threads:
argon2id takes ``memory_kib`` of memory per call, so a burst of logins can
neither exhaust memory nor stall the event loop. The workers run at a lower
CPU priority (Linux applies nice per thread; argon2-cffi computes in the
calling thread), so request handling keeps the cores it needs while hashes
run: p99 of GET /api/auth/me during 8 concurrent logins went from 6.3x to
2.9x its idle value (scripts/bench).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import bcrypt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import Settings
from app.errors import ValidationError

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
        raise ValidationError.field(field, "must not be empty")
    if len(encoded) > MAX_PASSWORD_BYTES:
        raise ValidationError.field(field, f"must be at most {MAX_PASSWORD_BYTES} bytes")
    return encoded


HASH_THREAD_NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_THREAD_NICENESS)


@dataclass(frozen=True)
class Verification:
    ok: bool
    needs_rehash: bool = False


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, settings.hash_concurrency),
            thread_name_prefix="password-hash",
            initializer=_lower_priority,
        )
        self._dummy_hash: str | None = None

    async def _in_thread[T](self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def hash(self, password: str) -> str:
        check_password_input(password)
        result: str = await self._in_thread(self._hasher.hash, password)
        return result

    def _verify_sync(self, stored_hash: str, password: str) -> Verification:
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

    async def verify(self, stored_hash: str, password: str) -> Verification:
        check_password_input(password)
        result: Verification = await self._in_thread(self._verify_sync, stored_hash, password)
        return result

    async def warm_up(self) -> None:
        """Compute the dummy hash at start-up, so even the first unknown-account
        login costs exactly one verify."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash("dummy password for unknown accounts")

    async def dummy_verify(self, password: str) -> None:
        """Spend what a real verify costs, so timing does not reveal unknown accounts."""
        await self.warm_up()
        assert self._dummy_hash is not None
        await self.verify(self._dummy_hash, password)
