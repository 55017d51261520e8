"""Limits on password guessing, after the OWASP Authentication Cheat Sheet.

Every password check reserves one attempt on three counters, atomically and
*before* any hash is computed, so concurrent guesses on one or many
instances can never get more checks than the limits allow:

- the account from one client address: ``APP_LOCKOUT_MAX_FAILURES`` (5)
  failures in ``APP_LOCKOUT_WINDOW_MINUTES`` lock *that address* out of the
  account for ``APP_LOCKOUT_MINUTES``. Someone who only knows an admin's email
  locks out only themselves; the admin logs in from their own address.
- the account from any address: ``APP_ACCOUNT_MAX_FAILURES`` (50) lock the
  account for everyone, which ends a distributed guess but takes at least
  ten addresses (each stops at 5).
- one client address, any account: ``APP_IP_MAX_FAILURES`` (50) answer 429
  RATE_LIMITED until the window ends (password spraying).

A reservation counts as a failure until the check ends; a correct password
gives it back (and clears its address's counter for the account).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
from dataclasses import dataclass
from typing import Any

from pymongo.errors import PyMongoError

from app.auth.models import ACCOUNT, ACCOUNT_ADDRESS, ADDRESS, LockoutState
from app.auth.repository import LoginCountersRepository
from app.config import Settings
from app.errors import AppError, DatabaseUnavailable, ErrorCode, ServiceBusy, TooManyAttempts
from app.metrics import LOCKOUTS, Outcome
from app.rows import LoginCounterRow
from app.security.principal import ClientInfo
from app.security_events.models import EventType
from app.security_events.recorder import SecurityEventRecorder

MINUTE_MS = 60_000.0
UNKNOWN_ADDRESS = "unknown"
# A counter that is full only because attempts are still being checked frees
# up within a hash's time; tell the client to come back shortly.
IN_FLIGHT_RETRY_MS = 1000.0


def _counter_id(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode(errors="surrogatepass")).hexdigest()
    return f"{kind}:{digest[:40]}"


@dataclass(frozen=True)
class Counter:
    id: str
    kind: str
    fields: dict[str, Any]
    limit: int
    window_ms: float
    # None: the counter never locks; it refuses until its window ends.
    lock_ms: float | None

    @property
    def keep_ms(self) -> float:
        return self.window_ms + (self.lock_ms or 0.0)


@dataclass
class Attempt:
    """The reservations one password check holds until it ends."""

    email: str
    counters: list[Counter]
    now: float
    settled: bool = False


@dataclass(eq=False)
class Lockout:
    settings: Settings
    counters: LoginCountersRepository
    events: SecurityEventRecorder

    def __post_init__(self) -> None:
        self._account_window = self.settings.lockout_window_minutes * MINUTE_MS
        self._lock = self.settings.lockout_minutes * MINUTE_MS
        self._ip_window = self.settings.ip_window_minutes * MINUTE_MS

    def _plan(self, email: str, client: ClientInfo) -> list[Counter]:
        address = client.ip_address or UNKNOWN_ADDRESS
        # Stored for the unlock view; an overlong "email" is never an account.
        shown = email if len(email) <= 320 else None
        plan = []
        if client.ip_address:
            plan.append(
                Counter(
                    _counter_id(ADDRESS, address),
                    ADDRESS,
                    {"kind": ADDRESS, "ip": address},
                    self.settings.ip_max_failures,
                    self._ip_window,
                    None,
                )
            )
        plan.append(
            Counter(
                _counter_id(ACCOUNT_ADDRESS, email, address),
                ACCOUNT_ADDRESS,
                {"kind": ACCOUNT_ADDRESS, "email": shown, "ip": address},
                self.settings.lockout_max_failures,
                self._account_window,
                self._lock,
            )
        )
        plan.append(
            Counter(
                _counter_id(ACCOUNT, email),
                ACCOUNT,
                {"kind": ACCOUNT, "email": shown},
                self.settings.account_max_failures,
                self._account_window,
                self._lock,
            )
        )
        return plan

    async def begin(self, email: str, client: ClientInfo, now: float) -> Attempt:
        """Reserve one attempt on every counter, or give back what was taken and
        answer 429 (ACCOUNT_LOCKED for the account's counters, RATE_LIMITED
        for the address's)."""
        taken: list[Counter] = []
        for counter in self._plan(email, client):
            refused = await self.counters.reserve(
                counter.id, counter.fields, counter.limit, now, counter.window_ms, counter.keep_ms
            )
            if refused is None:
                taken.append(counter)
                continue
            await self._release(taken)
            raise _refusal(counter, refused, now)
        return Attempt(email=email, counters=taken, now=now)

    async def _release(self, counters: list[Counter]) -> None:
        for counter in counters:
            await self.counters.release(counter.id)

    async def abandon(self, attempt: Attempt) -> None:
        """The check ended without a verdict (overload, outage, disconnect)."""
        if attempt.settled:
            return
        attempt.settled = True
        # Best effort: if the database is gone, the attempt stays counted.
        with contextlib.suppress(PyMongoError):
            await self._release(attempt.counters)

    async def succeeded(self, attempt: Attempt) -> None:
        attempt.settled = True
        for counter in attempt.counters:
            if counter.kind == ACCOUNT_ADDRESS:
                await self.counters.reset(counter.id)
            else:
                await self.counters.release(counter.id)

    async def failed(self, attempt: Attempt, client: ClientInfo, user_id: str | None) -> int:
        """Keep the failure counted, lock full counters; the attempts this address
        has left on the account."""
        attempt.settled = True
        remaining = 0
        for counter in attempt.counters:
            if counter.lock_ms is None:
                continue
            until = attempt.now + counter.lock_ms
            if await self.counters.lock(counter.id, counter.limit, attempt.now, until):
                LOCKOUTS.labels("account" if counter.kind == ACCOUNT else "client").inc()
                await self.events.record(
                    EventType.ACCOUNT_LOCKED,
                    client,
                    user_id=user_id,
                    details={
                        "email": attempt.email,
                        "scope": "account" if counter.kind == ACCOUNT else "client",
                        "lockedMinutes": self.settings.lockout_minutes,
                    },
                )
            if counter.kind == ACCOUNT_ADDRESS:
                used = await self.counters.failures(counter.id)
                remaining = max(0, counter.limit - used)
        return remaining

    async def state(self, email: str, now: float) -> LockoutState:
        """The account's counters that still matter: locked, or failures in an
        open window (a success leaves a counter at zero behind)."""
        current = [
            counter
            for counter in await self.counters.for_email(email)
            if counter["locked_until"] > now
            or (counter["failures"] > 0 and counter["window_start"] > now - self._account_window)
        ]
        return LockoutState(email=email, now=now, counters=current)

    async def clear(self, email: str) -> int:
        return await self.counters.delete_for_email(email)


def _refusal(counter: Counter, current: LoginCounterRow, now: float) -> TooManyAttempts:
    if current.get("locked_until", 0) > now:
        wait_ms = current["locked_until"] - now
    elif counter.lock_ms is None:
        wait_ms = current["window_start"] + counter.window_ms - now
    else:
        wait_ms = IN_FLIGHT_RETRY_MS
    code = ErrorCode.RATE_LIMITED if counter.kind == ADDRESS else ErrorCode.ACCOUNT_LOCKED
    return TooManyAttempts(code, math.ceil(max(wait_ms, 1000.0) / 1000))


def outcome_of(exc: BaseException) -> Outcome:
    """How a password check that raised ``exc`` ended, for the metrics."""
    if isinstance(exc, TooManyAttempts):
        return "locked" if exc.code is ErrorCode.ACCOUNT_LOCKED else "rate_limited"
    if isinstance(exc, ServiceBusy):
        return "busy"
    if isinstance(exc, (DatabaseUnavailable, PyMongoError)):
        return "unavailable"
    if isinstance(exc, AppError):
        return "invalid_input"
    if isinstance(exc, asyncio.CancelledError):
        return "abandoned"
    return "error"
