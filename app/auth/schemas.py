"""Request and response bodies of /api/auth."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from app.auth.models import ACCOUNT, LockoutState
from app.clock import ms_to_datetime
from app.documents import Page
from app.rows import SessionRow
from app.users.schemas import Password, UserOut


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    password: str
    rememberMe: bool = False


class SessionTokenOut(msgspec.Struct):
    """The new session: its token once (also in the cookie); only its hash is stored."""

    sessionId: str
    token: str
    expiresAt: datetime


class LoginOut(msgspec.Struct):
    """The signed-in user and the new session."""

    user: UserOut
    session: SessionTokenOut


class SessionOut(msgspec.Struct, omit_defaults=True):
    """An active session as its user or an admin sees it (never the token)."""

    sessionId: str
    createdAt: datetime
    lastActiveAt: datetime
    expiresAt: datetime
    current: bool = False
    ipAddress: str | None = None
    userAgent: str | None = None


class SessionPage(msgspec.Struct):
    """A page of active sessions, newest first (the list envelope of every list)."""

    documents: list[SessionOut]
    continueCursor: str
    isDone: bool


class LockoutCounterOut(msgspec.Struct, omit_defaults=True):
    scope: Literal["account", "client"]
    failures: int
    windowStartedAt: datetime
    locked: bool
    lockedUntil: datetime | None = None
    ipAddress: str | None = None


class LockoutOut(msgspec.Struct):
    """Login counters of one account: account-wide and per client address."""

    locked: bool
    counters: list[LockoutCounterOut]


class UnlockOut(msgspec.Struct):
    """The acknowledgement of an unlock, with the number of counters cleared."""

    cleared: int
    success: bool = True


def lockout_out(state: LockoutState) -> LockoutOut:
    counters = []
    for counter in state.counters:
        locked = counter["locked_until"] > state.now
        counters.append(
            LockoutCounterOut(
                scope="account" if counter["kind"] == ACCOUNT else "client",
                failures=int(counter["failures"]),
                windowStartedAt=ms_to_datetime(counter["window_start"]),
                locked=locked,
                lockedUntil=ms_to_datetime(counter["locked_until"]) if locked else None,
                ipAddress=counter.get("ip") if counter["kind"] != ACCOUNT else None,
            )
        )
    return LockoutOut(locked=any(c.locked for c in counters), counters=counters)


class PasswordChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    currentPassword: str
    newPassword: Password


def session_page(page: Page[SessionRow], current_id: str | None) -> SessionPage:
    return SessionPage(
        documents=[session_out(session, current_id) for session in page.documents],
        continueCursor=page.continue_cursor,
        isDone=page.is_done,
    )


def session_out(session: SessionRow, current_id: str | None) -> SessionOut:
    return SessionOut(
        sessionId=session["session_id"],
        createdAt=ms_to_datetime(session["created_at"]),
        lastActiveAt=ms_to_datetime(session["last_activity"]),
        expiresAt=ms_to_datetime(session["expires_at"]),
        current=session["session_id"] == current_id,
        ipAddress=session.get("ip_address"),
        userAgent=session.get("user_agent"),
    )
