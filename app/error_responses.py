"""The one mapping from any error to an HTTP response.

Domain errors (``app.errors``), Litestar's own exceptions and database
outages become the single error body ``{"success": false, "code", "error",
"details"?}``, in English or, for ``Accept-Language: tr``, Turkish.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from app.body_fields import refused_key
from app.errors import MESSAGES, RETRY_AFTER_SECONDS, AppError, DatabaseUnavailable, ErrorCode
from app.field_problems import FieldError, FieldProblem, render_details
from app.metrics import DATABASE_FAILURES, ERROR_RESPONSES

logger = logging.getLogger("app.errors")


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
    code: ErrorCode,
    *,
    message: str | None = None,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    ERROR_RESPONSES.labels(code.value).inc()
    english, turkish = MESSAGES[code]
    in_turkish = wants_turkish(request)
    text = turkish if in_turkish else message or english
    body: dict[str, Any] = {"success": False, "code": code.value, "error": text}
    if details is not None:
        body["details"] = render_details(details, in_turkish)
    return Response(body, status_code=status_code, headers=headers)


def app_error_response(request: Request[Any, Any, Any], exc: AppError) -> Response[dict[str, Any]]:
    # With field errors, ``error`` is the code's general text: the specifics are
    # the details, in the caller's language (the message is English, for logs).
    listed = isinstance(exc.details, list) and any(isinstance(d, FieldError) for d in exc.details)
    return error_response(
        request,
        exc.status_code,
        exc.code,
        message=None if listed else exc.message,
        details=exc.details,
        headers=exc.headers,
    )


_HTTP_CODES = {
    400: ErrorCode.VALIDATION_ERROR,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.DATABASE_UNAVAILABLE,
}


def _field_of(request: Request[Any, Any, Any], key: str) -> str:
    """The offending field. Litestar's key is the parameter's name, or for a body
    ``data`` plus msgspec's JSON path below it (``labels[0]``); a bare ``data`` is
    the body object itself, where the refused key comes from the Struct."""
    if key and key != "data":
        return key
    if key == "data":
        return refused_key(request) or "body"
    return "body"


def _validation_details(
    request: Request[Any, Any, Any], exc: ValidationException
) -> list[FieldError] | None:
    """Litestar's own validation errors (what app/http/input_contract.py did not
    already explain): the field is kept, its English text is not."""
    extra = exc.extra
    if not isinstance(extra, list):
        return None
    details = [
        FieldError(_field_of(request, str(item.get("key") or "")), FieldProblem.INVALID)
        for item in extra
        if isinstance(item, dict)
    ]
    return details or None


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if status >= 500:
        logger.error("HTTP %s on %s %s: %s", status, request.method, request.url.path, exc.detail)
        return error_response(request, 500, ErrorCode.INTERNAL_ERROR)
    code = _HTTP_CODES.get(status, ErrorCode.VALIDATION_ERROR)
    details: list[FieldError] | None = None
    if isinstance(exc, ValidationException):
        details = _validation_details(request, exc)
    return error_response(request, status, code, details=details, headers=exc.headers)


def _database_error(request: Request[Any, Any, Any], exc: PyMongoError) -> Response[dict[str, Any]]:
    # exc.timeout: the request's deadline passed (app/deadline.py), whichever
    # step was waiting (server selection, a connection, a reply).
    if (
        exc.timeout
        or isinstance(exc, ConnectionFailure)
        or (isinstance(exc, OperationFailure) and exc.has_error_label("RetryableWriteError"))
    ):
        DATABASE_FAILURES.labels("unavailable").inc()
        logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            request,
            503,
            ErrorCode.DATABASE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    DATABASE_FAILURES.labels("error").inc()
    logger.error("database error on %s %s: %r", request.method, request.url.path, exc)
    return error_response(request, 500, ErrorCode.INTERNAL_ERROR)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, 500, ErrorCode.INTERNAL_ERROR)


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
