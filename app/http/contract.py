"""The published contract: what the OpenAPI document says each operation
answers, derived from what the route declares instead of copied per route.

- Security: from the route's guards (``app.security.guards.REQUIREMENTS``):
  a user permission is the session cookie or a bearer session, a service
  scope is a bearer service token with that scope; no guard, no security.
- Error statuses, all with the one error body (``ErrorBody``): 401/403/503
  for a guarded route (authentication reads the database), 403 for every
  unsafe method (the origin check), 400 for any parameter or body, 408, 413
  and 415 for a JSON body, 404 for a path parameter (it names a document),
  plus what the route's domain adds in ``opt={ANSWERS: (...)}``.
- ``Allow`` on OPTIONS: every method of the path (``allow_header``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example, Reference, SecurityScheme
from litestar.routes import HTTPRoute
from litestar.types import Empty, Message, Scope
from msgspec import UNSET, UnsetType

from app.errors import MESSAGES, ErrorCode
from app.http.contract_docs import DESCRIPTIONS
from app.http.contract_schema import refine_document
from app.responses import ANSWERS
from app.security.guards import REQUIREMENTS

SESSION_COOKIE = "sessionCookie"
BEARER_SESSION = "bearerSession"
SERVICE_TOKEN = "serviceToken"  # noqa: S105 - a scheme's name, no secret

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Keyword arguments that are not a request parameter of the route.
_RESERVED = frozenset(
    {"request", "state", "scope", "socket", "headers", "cookies", "query", "body", "self"}
)


class ErrorDetail(msgspec.Struct):
    """One refused field of a 400: where the check was made and why."""

    field: str
    message: str


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """The one body of every error (``app/errors.py``)."""

    success: Literal[False]
    code: ErrorCode
    error: str
    details: list[ErrorDetail] | dict[str, Any] | UnsetType = UNSET


# status -> what it means, and the codes it carries
STATUSES: dict[int, tuple[str, tuple[ErrorCode, ...]]] = {
    400: (
        "The request is not valid (`details` lists the refused fields)",
        (
            ErrorCode.VALIDATION_ERROR,
            ErrorCode.INVALID_ID,
            ErrorCode.DUPLICATE_KEY,
            ErrorCode.INVALID_CURSOR,
            ErrorCode.INVALID_CURRENT_PASSWORD,
        ),
    ),
    401: (
        "No valid session or token, or a wrong email or password",
        (ErrorCode.UNAUTHENTICATED, ErrorCode.INVALID_CREDENTIALS),
    ),
    403: (
        "The caller lacks the permission or scope, the request comes from an origin "
        "that is not allowed, or the account is inactive",
        (ErrorCode.FORBIDDEN, ErrorCode.ORIGIN_NOT_ALLOWED, ErrorCode.ACCOUNT_INACTIVE),
    ),
    404: (
        "No such user or session",
        (ErrorCode.USER_NOT_FOUND, ErrorCode.SESSION_NOT_FOUND, ErrorCode.NOT_FOUND),
    ),
    408: ("The request body did not arrive in time", (ErrorCode.REQUEST_TIMEOUT,)),
    409: (
        "The change conflicts with the stored data",
        (
            ErrorCode.EMAIL_TAKEN,
            ErrorCode.LAST_ADMIN,
            ErrorCode.CONCURRENT_CHANGE,
            ErrorCode.SELF_DEACTIVATION,
        ),
    ),
    413: ("The request body is too large", (ErrorCode.PAYLOAD_TOO_LARGE,)),
    415: ("The request body is not JSON", (ErrorCode.UNSUPPORTED_MEDIA_TYPE,)),
    422: (
        "The Idempotency-Key was used for another request",
        (ErrorCode.IDEMPOTENCY_KEY_REUSED,),
    ),
    429: (
        "Too many attempts or requests (`Retry-After` says how long to wait)",
        (ErrorCode.ACCOUNT_LOCKED, ErrorCode.RATE_LIMITED),
    ),
    503: (
        "The database or the password hashing is unavailable; retry (`Retry-After`)",
        (ErrorCode.DATABASE_UNAVAILABLE, ErrorCode.SERVICE_BUSY),
    ),
}


def security_schemes(cookie_name: str) -> dict[str, SecurityScheme | Reference]:
    return {
        SESSION_COOKIE: SecurityScheme(
            type="apiKey",
            name=cookie_name,
            security_scheme_in="cookie",
            description="The session cookie set by POST /api/auth/login.",
        ),
        BEARER_SESSION: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="session token",
            description="`Authorization: Bearer <session token>` (the login's session.token).",
        ),
        SERVICE_TOKEN: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="service token",
            description="`Authorization: Bearer <service token>`; the requirement lists "
            "the scope the operation needs.",
        ),
    }


def _security(handler: HTTPRouteHandler) -> list[dict[str, list[str]]]:
    requirements: list[dict[str, list[str]]] = []
    for guard in handler.resolve_guards():
        permission, scope = REQUIREMENTS.get(guard, (None, None))
        if permission is not None:
            needed = [permission] if permission else []
            requirements += [{SESSION_COOKIE: needed}, {BEARER_SESSION: needed}]
        if scope is not None:
            requirements.append({SERVICE_TOKEN: [scope]})
    return requirements


def _parameters(handler: HTTPRouteHandler) -> set[str]:
    dependencies = set(handler.resolve_dependencies())
    names = set(handler.parsed_fn_signature.parameters)
    return names - dependencies - _RESERVED - {"data"}


def statuses(handler: HTTPRouteHandler) -> set[int]:
    """Every error status the operation can answer."""
    found = set(handler.opt.get(ANSWERS, ()))
    if handler.resolve_guards():
        found |= {401, 403, 503}
    if UNSAFE & set(handler.http_methods):
        found.add(403)
    if "data" in handler.parsed_fn_signature.parameters:
        found |= {400, 408, 413, 415}
    if _parameters(handler):
        found.add(400)
    if handler.paths and any("{" in path for path in handler.paths):
        found.add(404)
    return found


def _response(status: int) -> ResponseSpec:
    meaning, codes = STATUSES[status]
    code = codes[0]
    return ResponseSpec(
        data_container=ErrorBody,
        generate_examples=False,
        description=f"{meaning}: {', '.join(f'`{c.value}`' for c in codes)}",
        examples=[
            Example(
                summary=code.value,
                value={"success": False, "code": code.value, "error": MESSAGES[code][0]},
            )
        ],
    )


def route_handlers(app: Litestar) -> Iterator[HTTPRouteHandler]:
    """Every operation of the document (not the automatic OPTIONS handlers)."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.include_in_schema:
                    yield handler


def document_operations(app: Litestar) -> None:
    """Give every operation its security and error responses, before the
    document is first built (Litestar builds it on first use)."""
    for handler in route_handlers(app):
        responses = {status: _response(status) for status in sorted(statuses(handler))}
        handler.responses = {**responses, **(handler.responses or {})}
        handler.security = _security(handler)
        if handler.description is None and not handler.fn.__doc__:
            handler.description = DESCRIPTIONS.get(handler.handler_name)
        handler._resolved_security = Empty
    if app.openapi_config is not None:
        refine_document(app)


async def allow_header(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: the automatic OPTIONS answer lists every method
    of its path. Litestar's lists only the methods of the handler that created
    the route (``OPTIONS /api/users`` said ``OPTIONS, POST``)."""
    if not (
        message["type"] == "http.response.start"
        and scope.get("method") == "OPTIONS"
        and message["status"] == 204
    ):
        return
    headers = list(message.get("headers") or [])
    if not any(name.lower() == b"allow" for name, _ in headers):
        return  # a CORS preflight (app/http/browser.py)
    template = scope.get("path_template", "")
    for route in scope["app"].routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            methods = ", ".join(sorted(route.methods)).encode()
            message["headers"] = [
                (name, methods if name.lower() == b"allow" else value) for name, value in headers
            ]
            return
