"""Domain errors: the closed set of error codes with their English and
Turkish text, and the exceptions services raise. They know nothing of HTTP
beyond their status; ``app.error_responses`` turns them (and every other
error) into the one error body."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from app.field_problems import FieldError, FieldProblem
from app.messages import texts

logger = logging.getLogger("app.errors")


class ErrorCode(StrEnum):
    """Every code the service answers with; each has a text in MESSAGES."""

    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_ID = "INVALID_ID"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    UNKNOWN_PARAMETER = "UNKNOWN_PARAMETER"
    INVALID_CURSOR = "INVALID_CURSOR"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    FORBIDDEN = "FORBIDDEN"
    ACCOUNT_INACTIVE = "ACCOUNT_INACTIVE"
    NOT_FOUND = "NOT_FOUND"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    LAST_ADMIN = "LAST_ADMIN"
    CONCURRENT_CHANGE = "CONCURRENT_CHANGE"
    SELF_DEACTIVATION = "SELF_DEACTIVATION"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    ORIGIN_NOT_ALLOWED = "ORIGIN_NOT_ALLOWED"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    RATE_LIMITED = "RATE_LIMITED"
    SERVICE_BUSY = "SERVICE_BUSY"
    INVALID_CURRENT_PASSWORD = "INVALID_CURRENT_PASSWORD"  # noqa: S105 - a code, no secret
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    CLIENT_CLOSED_REQUEST = "CLIENT_CLOSED_REQUEST"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    CONVEX_UNREACHABLE = "CONVEX_UNREACHABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"


# code -> (English, Turkish) from messages.toml; tests/unit/test_error_codes.py
# checks every member has both.
MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode(code): pair for code, pair in texts("codes").items()
}


class AppError(Exception):
    """Base of every domain error: a code, an HTTP status, optional details.

    One subclass per code that is raised, declared in one line
    (``class X(AppError, code=..., status=...): ...``); the code is a class
    attribute, so a caller never spells one.
    """

    status_code: int = 400
    code: ErrorCode = ErrorCode.VALIDATION_ERROR

    def __init_subclass__(
        cls, *, code: ErrorCode | None = None, status: int | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status_code = status

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message
        self.details = details
        self.headers = headers or {}
        super().__init__(message or self.code)


class ValidationError(AppError, code=ErrorCode.VALIDATION_ERROR, status=400):
    """400 VALIDATION_ERROR; ``details`` lists every refused field (FieldError)."""

    @classmethod
    def field(cls, field: str, problem: FieldProblem, **params: Any) -> ValidationError:
        return cls.fields([FieldError(field, problem, params)])

    @classmethod
    def fields(cls, errors: list[FieldError]) -> ValidationError:
        # The English summary is for logs and the CLI; a response says it in details.
        summary = "; ".join(f"{error.field}: {error.text()}" for error in errors)
        return cls(summary or None, details=list(errors))

    @property
    def field_errors(self) -> list[FieldError]:
        details = self.details if isinstance(self.details, list) else []
        return [item for item in details if isinstance(item, FieldError)]


class UnknownParameter(AppError, code=ErrorCode.UNKNOWN_PARAMETER, status=400):
    """A query parameter the route does not declare: 400 naming every such one."""


class InvalidId(AppError, code=ErrorCode.INVALID_ID, status=400): ...


class InvalidCursor(AppError, code=ErrorCode.INVALID_CURSOR, status=400): ...


class Unauthenticated(AppError, code=ErrorCode.UNAUTHENTICATED, status=401): ...


class InvalidCredentials(AppError, code=ErrorCode.INVALID_CREDENTIALS, status=401): ...


class Forbidden(AppError, code=ErrorCode.FORBIDDEN, status=403): ...


class AccountInactive(AppError, code=ErrorCode.ACCOUNT_INACTIVE, status=403): ...


class NotFound(AppError, code=ErrorCode.NOT_FOUND, status=404): ...


class UserNotFound(NotFound, code=ErrorCode.USER_NOT_FOUND): ...


class SessionNotFound(NotFound, code=ErrorCode.SESSION_NOT_FOUND): ...


class EmailTaken(AppError, code=ErrorCode.EMAIL_TAKEN, status=409): ...


class TooManyAttempts(AppError):
    """429 with Retry-After; code is ACCOUNT_LOCKED or RATE_LIMITED."""

    status_code = 429

    def __init__(self, code: ErrorCode, retry_after_seconds: int) -> None:
        seconds = max(1, int(retry_after_seconds))
        self.code = code
        super().__init__(details={"retryAfter": seconds}, headers={"Retry-After": str(seconds)})


class InvalidCurrentPassword(AppError, code=ErrorCode.INVALID_CURRENT_PASSWORD, status=400):
    """A wrong current password on a password change: 400, not 401, so a
    frontend does not take a typo for an expired session."""


class ServiceBusy(AppError, code=ErrorCode.SERVICE_BUSY, status=503):
    def __init__(self, retry_after_seconds: int = 1) -> None:
        super().__init__(headers={"Retry-After": str(retry_after_seconds)})


# Seconds a client should wait before retrying a 503 DATABASE_UNAVAILABLE.
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(AppError, code=ErrorCode.DATABASE_UNAVAILABLE, status=503):
    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
