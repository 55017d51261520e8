"""Domain errors and the one mapping from any error to an HTTP response.

Services raise the domain errors below; they know nothing of HTTP. The
handlers at the bottom turn those, Litestar's own exceptions and database
outages into the single error body ``{"success": false, "code", "error",
"details"?}``, in English or, for ``Accept-Language: tr``, Turkish.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

logger = logging.getLogger("app.errors")

# code -> (English, Turkish)
MESSAGES: dict[str, tuple[str, str]] = {
    "VALIDATION_ERROR": ("The request is not valid", "İstek geçersiz"),
    "INVALID_ID": ("The ID is not valid", "Kimlik geçersiz"),
    "DUPLICATE_KEY": (
        "A key appears twice in the same JSON object",
        "Aynı JSON nesnesinde bir anahtar iki kez geçiyor",
    ),
    "INVALID_CURSOR": ("The cursor is not valid for this query", "İmleç bu sorgu için geçersiz"),
    "UNAUTHENTICATED": ("Authentication is required", "Kimlik doğrulaması gerekli"),
    "INVALID_CREDENTIALS": ("Invalid email or password", "E-posta veya şifre hatalı"),
    "FORBIDDEN": ("You do not have permission for this", "Bu işlem için yetkiniz yok"),
    "ACCOUNT_INACTIVE": ("This account is inactive", "Bu hesap aktif değil"),
    "NOT_FOUND": ("Not found", "Bulunamadı"),
    "USER_NOT_FOUND": ("User not found", "Kullanıcı bulunamadı"),
    "SESSION_NOT_FOUND": ("Session not found", "Oturum bulunamadı"),
    "METHOD_NOT_ALLOWED": ("Method not allowed", "Yönteme izin verilmiyor"),
    "EMAIL_TAKEN": ("This email is already in use", "Bu e-posta zaten kullanılıyor"),
    "IDEMPOTENCY_KEY_REUSED": (
        "This Idempotency-Key was used for a different request",
        "Bu Idempotency-Key başka bir istek için kullanıldı",
    ),
    "LAST_ADMIN": (
        "The last user who can manage users cannot lose that right",
        "Kullanıcıları yönetebilen son kişi bu yetkisini kaybedemez",
    ),
    "CONCURRENT_CHANGE": (
        "Another change of user rights is in progress; try again",
        "Başka bir yetki değişikliği sürüyor; lütfen tekrar deneyin",
    ),
    "PAYLOAD_TOO_LARGE": ("The request body is too large", "İstek gövdesi çok büyük"),
    "UNSUPPORTED_MEDIA_TYPE": (
        "The request body must be JSON (Content-Type: application/json)",
        "İstek gövdesi JSON olmalı (Content-Type: application/json)",
    ),
    "ORIGIN_NOT_ALLOWED": (
        "Requests from this origin are not allowed",
        "Bu kaynaktan (origin) gelen isteklere izin verilmiyor",
    ),
    "ACCOUNT_LOCKED": (
        "Too many failed attempts; the account is locked for a while",
        "Çok fazla başarısız deneme; hesap bir süreliğine kilitlendi",
    ),
    "RATE_LIMITED": ("Too many requests", "Çok fazla istek"),
    "SERVICE_BUSY": (
        "The service is busy; try again shortly",
        "Hizmet şu anda yoğun; lütfen birazdan tekrar deneyin",
    ),
    "INVALID_CURRENT_PASSWORD": (
        "The current password is not correct",
        "Mevcut şifre doğru değil",
    ),
    "REQUEST_TIMEOUT": (
        "The request body did not arrive in time",
        "İstek gövdesi zamanında gelmedi",
    ),
    "CLIENT_CLOSED_REQUEST": ("The client closed the request", "İstemci isteği kapattı"),
    "DATABASE_UNAVAILABLE": (
        "The database is unavailable; try again shortly",
        "Veritabanına ulaşılamıyor; lütfen birazdan tekrar deneyin",
    ),
    "INTERNAL_ERROR": ("Internal server error", "Sunucu hatası"),
}


class AppError(Exception):
    """Base of every domain error: a code, an HTTP status, optional details."""

    status_code = 400
    code = "VALIDATION_ERROR"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}
        super().__init__(message or self.code)


class ValidationError(AppError):
    status_code, code = 400, "VALIDATION_ERROR"

    @classmethod
    def field(cls, field: str, reason: str) -> ValidationError:
        return cls(f"{field}: {reason}", details=[{"field": field, "message": reason}])


class InvalidId(AppError):
    status_code, code = 400, "INVALID_ID"


class InvalidCursor(AppError):
    status_code, code = 400, "INVALID_CURSOR"


class Unauthenticated(AppError):
    status_code, code = 401, "UNAUTHENTICATED"


class InvalidCredentials(AppError):
    status_code, code = 401, "INVALID_CREDENTIALS"


class Forbidden(AppError):
    status_code, code = 403, "FORBIDDEN"


class AccountInactive(AppError):
    status_code, code = 403, "ACCOUNT_INACTIVE"


class NotFound(AppError):
    status_code, code = 404, "NOT_FOUND"


class EmailTaken(AppError):
    status_code, code = 409, "EMAIL_TAKEN"


class TooManyAttempts(AppError):
    """429 with Retry-After; code is ACCOUNT_LOCKED or RATE_LIMITED."""

    status_code, code = 429, "RATE_LIMITED"

    def __init__(self, code: str, retry_after_seconds: int) -> None:
        seconds = max(1, int(retry_after_seconds))
        super().__init__(
            code=code,
            details={"retryAfter": seconds},
            headers={"Retry-After": str(seconds)},
        )


class InvalidCurrentPassword(AppError):
    """A wrong current password on a password change: 400, not 401, so a
    frontend does not take a typo for an expired session."""

    status_code, code = 400, "INVALID_CURRENT_PASSWORD"


class ServiceBusy(AppError):
    status_code, code = 503, "SERVICE_BUSY"

    def __init__(self, retry_after_seconds: int = 1) -> None:
        super().__init__(headers={"Retry-After": str(retry_after_seconds)})


# Seconds a client should wait before retrying a 503 DATABASE_UNAVAILABLE.
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(AppError):
    status_code, code = 503, "DATABASE_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def wants_turkish(request: Request[Any, Any, Any]) -> bool:
    """True when Turkish ranks above English in Accept-Language."""
    header = request.headers.get("accept-language", "")
    best_lang, best_q = "en", 0.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().lower()[:2]
        if lang in ("en", "tr") and q > best_q:
            best_lang, best_q = lang, q
    return best_lang == "tr"


def error_response(
    request: Request[Any, Any, Any],
    status_code: int,
    code: str,
    *,
    message: str | None = None,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    english, turkish = MESSAGES.get(code, (code, code))
    if wants_turkish(request):
        text = turkish
    else:
        text = message or english
    body: dict[str, Any] = {"success": False, "code": code, "error": text}
    if details is not None:
        body["details"] = details
    return Response(body, status_code=status_code, headers=headers)


def app_error_response(request: Request[Any, Any, Any], exc: AppError) -> Response[dict[str, Any]]:
    return error_response(
        request,
        exc.status_code,
        exc.code,
        message=exc.message,
        details=exc.details,
        headers=exc.headers,
    )


_HTTP_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    503: "DATABASE_UNAVAILABLE",
}


_NAMED_FIELD = re.compile(r"`(\w+)`")
_LEADING_FIELD = re.compile(r"^(\w+) ")


def _field_of(key: str, message: str) -> str:
    """The offending field: Litestar names it for type errors; for unknown fields and
    our own checks (``"name must be …"``) it is read from the message."""
    if key and key != "data":
        return key
    for pattern in (_NAMED_FIELD, _LEADING_FIELD):
        match = pattern.search(message)
        if match:
            return match.group(1)
    return "body"


def _validation_details(exc: HTTPException) -> list[dict[str, str]] | None:
    extra = exc.extra
    if not isinstance(extra, list):
        return None
    details = []
    for item in extra:
        if isinstance(item, dict):
            message = str(item.get("message", ""))
            details.append(
                {"field": _field_of(str(item.get("key") or ""), message), "message": message}
            )
    return details or None


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if status >= 500:
        logger.error("HTTP %s on %s %s: %s", status, request.method, request.url.path, exc.detail)
        return error_response(request, 500, "INTERNAL_ERROR")
    code = _HTTP_CODES.get(status, "VALIDATION_ERROR" if status < 500 else "INTERNAL_ERROR")
    details = _validation_details(exc) if isinstance(exc, ValidationException) else None
    message = None
    if status == 400 and details is None and exc.detail:
        # e.g. malformed JSON: Litestar's detail names the problem
        message = str(exc.detail)
    return error_response(
        request, status, code, message=message, details=details, headers=exc.headers
    )


def _database_error(request: Request[Any, Any, Any], exc: PyMongoError) -> Response[dict[str, Any]]:
    # exc.timeout: the request's deadline passed (app/deadline.py), whichever
    # step was waiting (server selection, a connection, a reply).
    if (
        exc.timeout
        or isinstance(exc, ConnectionFailure)
        or (isinstance(exc, OperationFailure) and exc.has_error_label("RetryableWriteError"))
    ):
        logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            request,
            503,
            "DATABASE_UNAVAILABLE",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    logger.error("database error on %s %s: %r", request.method, request.url.path, exc)
    return error_response(request, 500, "INTERNAL_ERROR")


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, 500, "INTERNAL_ERROR")


EXCEPTION_HANDLERS: dict[int | type[Exception], Any] = {
    AppError: app_error_response,
    HTTPException: _http_error,
    PyMongoError: _database_error,
    Exception: _unexpected,
}


# What a handler catches to answer 503 itself (and still do its part, as
# logout clearing the cookie); knowing the driver's errors stays here.
DATABASE_ERRORS: tuple[type[Exception], ...] = (DatabaseUnavailable, PyMongoError)


def answer(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """The response the exception handlers give ``exc``, for a handler that
    catches it to do more (the nearest handler along the class hierarchy)."""
    for kind in type(exc).__mro__:
        handler = EXCEPTION_HANDLERS.get(kind)
        if handler is not None:
            response: Response[dict[str, Any]] = handler(request, exc)
            return response
    return _unexpected(request, exc)
