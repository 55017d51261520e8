"""Domain errors: the closed set of error codes with their English and
Turkish text, and the exceptions services raise. They know nothing of HTTP
beyond their status; ``app.error_responses`` turns them (and every other
error) into the one error body."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

logger = logging.getLogger("app.errors")


class ErrorCode(StrEnum):
    """Every code the service answers with; each has a text in MESSAGES."""

    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_ID = "INVALID_ID"
    DUPLICATE_KEY = "DUPLICATE_KEY"
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
    INTERNAL_ERROR = "INTERNAL_ERROR"


# code -> (English, Turkish); tests/unit/test_error_codes.py checks every member has both.
MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.VALIDATION_ERROR: ("The request is not valid", "İstek geçersiz"),
    ErrorCode.INVALID_ID: ("The ID is not valid", "Kimlik geçersiz"),
    ErrorCode.DUPLICATE_KEY: (
        "A key appears twice in the same JSON object",
        "Aynı JSON nesnesinde bir anahtar iki kez geçiyor",
    ),
    ErrorCode.INVALID_CURSOR: (
        "The cursor is not valid for this query",
        "İmleç bu sorgu için geçersiz",
    ),
    ErrorCode.UNAUTHENTICATED: ("Authentication is required", "Kimlik doğrulaması gerekli"),
    ErrorCode.INVALID_CREDENTIALS: ("Invalid email or password", "E-posta veya şifre hatalı"),
    ErrorCode.FORBIDDEN: ("You do not have permission for this", "Bu işlem için yetkiniz yok"),
    ErrorCode.ACCOUNT_INACTIVE: ("This account is inactive", "Bu hesap aktif değil"),
    ErrorCode.NOT_FOUND: ("Not found", "Bulunamadı"),
    ErrorCode.USER_NOT_FOUND: ("User not found", "Kullanıcı bulunamadı"),
    ErrorCode.SESSION_NOT_FOUND: ("Session not found", "Oturum bulunamadı"),
    ErrorCode.METHOD_NOT_ALLOWED: ("Method not allowed", "Yönteme izin verilmiyor"),
    ErrorCode.EMAIL_TAKEN: ("This email is already in use", "Bu e-posta zaten kullanılıyor"),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "This Idempotency-Key was used for a different request",
        "Bu Idempotency-Key başka bir istek için kullanıldı",
    ),
    ErrorCode.LAST_ADMIN: (
        "The last user who can manage users cannot lose that right",
        "Kullanıcıları yönetebilen son kişi bu yetkisini kaybedemez",
    ),
    ErrorCode.CONCURRENT_CHANGE: (
        "Another change of user rights is in progress; try again",
        "Başka bir yetki değişikliği sürüyor; lütfen tekrar deneyin",
    ),
    ErrorCode.SELF_DEACTIVATION: (
        "You cannot deactivate your own account",
        "Kendi hesabınızı devre dışı bırakamazsınız",
    ),
    ErrorCode.PAYLOAD_TOO_LARGE: ("The request body is too large", "İstek gövdesi çok büyük"),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: (
        "The request body must be JSON (Content-Type: application/json)",
        "İstek gövdesi JSON olmalı (Content-Type: application/json)",
    ),
    ErrorCode.ORIGIN_NOT_ALLOWED: (
        "Requests from this origin are not allowed",
        "Bu kaynaktan (origin) gelen isteklere izin verilmiyor",
    ),
    ErrorCode.ACCOUNT_LOCKED: (
        "Too many failed attempts; the account is locked for a while",
        "Çok fazla başarısız deneme; hesap bir süreliğine kilitlendi",
    ),
    ErrorCode.RATE_LIMITED: ("Too many requests", "Çok fazla istek"),
    ErrorCode.SERVICE_BUSY: (
        "The service is busy; try again shortly",
        "Hizmet şu anda yoğun; lütfen birazdan tekrar deneyin",
    ),
    ErrorCode.INVALID_CURRENT_PASSWORD: (
        "The current password is not correct",
        "Mevcut şifre doğru değil",
    ),
    ErrorCode.REQUEST_TIMEOUT: (
        "The request body did not arrive in time",
        "İstek gövdesi zamanında gelmedi",
    ),
    ErrorCode.CLIENT_CLOSED_REQUEST: ("The client closed the request", "İstemci isteği kapattı"),
    ErrorCode.DATABASE_UNAVAILABLE: (
        "The database is unavailable; try again shortly",
        "Veritabanına ulaşılamıyor; lütfen birazdan tekrar deneyin",
    ),
    ErrorCode.INTERNAL_ERROR: ("Internal server error", "Sunucu hatası"),
}


class AppError(Exception):
    """Base of every domain error: a code, an HTTP status, optional details.

    One subclass per code that is raised; the code is a class attribute, so
    a caller never spells one.
    """

    status_code: int = 400
    code: ErrorCode = ErrorCode.VALIDATION_ERROR

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


class ValidationError(AppError):
    status_code, code = 400, ErrorCode.VALIDATION_ERROR

    @classmethod
    def field(cls, field: str, reason: str) -> ValidationError:
        return cls(f"{field}: {reason}", details=[{"field": field, "message": reason}])

    @classmethod
    def in_body(cls, field: str, message: str) -> ValidationError:
        """A check of a request Struct (``__post_init__``): the general text, and
        the field's message as the decoder's own errors have it (a sentence)."""
        return cls(details=[{"field": field, "message": message}])


class InvalidId(AppError):
    status_code, code = 400, ErrorCode.INVALID_ID


class InvalidCursor(AppError):
    status_code, code = 400, ErrorCode.INVALID_CURSOR


class Unauthenticated(AppError):
    status_code, code = 401, ErrorCode.UNAUTHENTICATED


class InvalidCredentials(AppError):
    status_code, code = 401, ErrorCode.INVALID_CREDENTIALS


class Forbidden(AppError):
    status_code, code = 403, ErrorCode.FORBIDDEN


class AccountInactive(AppError):
    status_code, code = 403, ErrorCode.ACCOUNT_INACTIVE


class NotFound(AppError):
    status_code, code = 404, ErrorCode.NOT_FOUND


class UserNotFound(NotFound):
    code = ErrorCode.USER_NOT_FOUND


class SessionNotFound(NotFound):
    code = ErrorCode.SESSION_NOT_FOUND


class EmailTaken(AppError):
    status_code, code = 409, ErrorCode.EMAIL_TAKEN


class TooManyAttempts(AppError):
    """429 with Retry-After; code is ACCOUNT_LOCKED or RATE_LIMITED."""

    status_code = 429

    def __init__(self, code: ErrorCode, retry_after_seconds: int) -> None:
        seconds = max(1, int(retry_after_seconds))
        self.code = code
        super().__init__(details={"retryAfter": seconds}, headers={"Retry-After": str(seconds)})


class InvalidCurrentPassword(AppError):
    """A wrong current password on a password change: 400, not 401, so a
    frontend does not take a typo for an expired session."""

    status_code, code = 400, ErrorCode.INVALID_CURRENT_PASSWORD


class ServiceBusy(AppError):
    status_code, code = 503, ErrorCode.SERVICE_BUSY

    def __init__(self, retry_after_seconds: int = 1) -> None:
        super().__init__(headers={"Retry-After": str(retry_after_seconds)})


# Seconds a client should wait before retrying a 503 DATABASE_UNAVAILABLE.
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(AppError):
    status_code, code = 503, ErrorCode.DATABASE_UNAVAILABLE

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
