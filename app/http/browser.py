"""What keeps the cookie session safe in a browser.

- **Cross-origin refusal (CSRF).** A state-changing request without a bearer
  token must come from this origin or from an ``APP_CORS_ORIGINS`` origin.
  The rule is the one of Go's ``net/http.CrossOriginProtection``: the
  browser's own ``Sec-Fetch-Site`` decides when it is sent; otherwise
  ``Origin`` must match ``Host``; a request with neither header does not come
  from a browser (every browser since 2020 sends ``Origin`` on cross-origin
  POSTs) and cannot carry a forged cookie. It covers same-site siblings,
  which ``SameSite=Lax`` lets through, and login (no login CSRF).
- **JSON only.** Routes that read a body refuse every other content type
  (415) before reading it: no HTML form can produce such a request, and a
  cross-origin ``application/json`` request needs a CORS preflight.
- **CORS** for the listed origins only, preflight included.
- **Security headers** on every response, errors and 404s included (an
  app-level ``before_send`` hook sees every response, a route middleware
  does not).
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import AppError, ErrorCode
from app.http.docs_policy import with_docs_policy

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_METHODS = b"DELETE, GET, PATCH, POST, PUT"
ALLOWED_HEADERS = b"accept, accept-language, authorization, content-type"
API_POLICY = b"default-src 'none'; frame-ancestors 'none'"
HSTS = b"max-age=31536000"


class OriginNotAllowed(AppError, code=ErrorCode.ORIGIN_NOT_ALLOWED, status=403): ...


class UnsupportedMediaType(AppError, code=ErrorCode.UNSUPPORTED_MEDIA_TYPE, status=415): ...


def is_json(content_type: str) -> bool:
    """``application/json`` or ``application/<x>+json``; a charset, if any, is UTF-8."""
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/")
        and media_type.endswith("+json")
        and len(media_type) > len("application/+json")
    ):
        return False
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return False
    return True


def _request_headers(scope: Scope) -> dict[bytes, list[bytes]]:
    found: dict[bytes, list[bytes]] = {}
    for name, value in scope["headers"]:
        if name in _WANTED:
            found.setdefault(name, []).append(value)
    return found


_WANTED = frozenset(
    {
        b"origin",
        b"sec-fetch-site",
        b"host",
        b"authorization",
        b"content-type",
        b"access-control-request-method",
    }
)


def _first(headers: dict[bytes, list[bytes]], name: bytes) -> str:
    values = headers.get(name)
    return values[0].decode("latin-1").strip() if values else ""


def _has_bearer(headers: dict[bytes, list[bytes]]) -> bool:
    scheme, _, value = _first(headers, b"authorization").partition(" ")
    return scheme.lower() == "bearer" and bool(value.strip())


def _without_default_port(netloc: str, scheme: str) -> str:
    default = {"https": ":443", "http": ":80"}.get(scheme, "")
    return netloc.removesuffix(default) if default else netloc


class BrowserSecurity:
    """The policy, built once from the settings; see the module docstring."""

    def __init__(self, settings: Settings, docs_path: str) -> None:
        self.trusted_origins = frozenset(settings.cors_origins)
        self.docs_path = docs_path
        always = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        if settings.cookie_secure:
            # Only with Secure cookies: HSTS pins the host to HTTPS for a year.
            always.append((b"strict-transport-security", HSTS))
        self.always = always

    def origin_allowed(self, headers: dict[bytes, list[bytes]]) -> bool:
        """May a state-changing request with these headers go on?"""
        origin = _first(headers, b"origin").lower()
        fetch_site = _first(headers, b"sec-fetch-site").lower()
        if fetch_site in ("same-origin", "none"):
            return True
        if fetch_site:
            return origin in self.trusted_origins
        if not origin:
            return True  # not a browser: no cookie can have been forged along
        scheme, sep, netloc = origin.partition("://")
        host = _without_default_port(_first(headers, b"host").lower(), scheme)
        if sep and netloc and netloc == host:
            return True
        return origin in self.trusted_origins

    def middleware(self) -> DefineMiddleware:
        return DefineMiddleware(BrowserGuardMiddleware, security=self)

    def is_docs(self, path: str) -> bool:
        return path == self.docs_path or path.startswith(self.docs_path + "/")

    async def before_send(self, message: Message, scope: Scope) -> None:
        """Adds the security and CORS headers to every response."""
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or [])
        present = {name.lower() for name, _ in headers}
        headers.extend(header for header in self.always if header[0] not in present)
        docs = self.is_docs(scope.get("path", ""))
        if b"content-security-policy" not in present:
            headers.append((b"content-security-policy", API_POLICY))
        if not docs and b"cache-control" not in present:
            # Responses carry tokens or user data: no browser or proxy cache keeps them.
            headers.append((b"cache-control", b"no-store"))
        if self.trusted_origins:
            headers.append((b"vary", b"Origin"))
            origin = _first(_request_headers(scope), b"origin").lower()
            if origin in self.trusted_origins:
                headers.extend(
                    [
                        (b"access-control-allow-origin", origin.encode("latin-1")),
                        (b"access-control-allow-credentials", b"true"),
                        (b"access-control-expose-headers", b"Retry-After"),
                    ]
                )
        message["headers"] = headers


class BrowserGuardMiddleware:
    """Preflights, cross-origin refusal and the JSON-only rule, before
    authentication and before any body is read."""

    def __init__(self, app: ASGIApp, security: BrowserSecurity) -> None:
        self.app = app
        self.security = security

    async def __call__(self, scope: Any, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        headers = _request_headers(scope)
        if method == "OPTIONS" and b"origin" in headers:
            if b"access-control-request-method" in headers:
                await self._preflight(headers, send)
                return
        elif method not in SAFE_METHODS:
            if not _has_bearer(headers) and not self.security.origin_allowed(headers):
                raise OriginNotAllowed()
            if _reads_body(scope) and not (
                len(headers.get(b"content-type", ())) == 1
                and is_json(_first(headers, b"content-type"))
            ):
                raise UnsupportedMediaType()
        elif method == "GET" and self.security.is_docs(scope["path"]):
            send = with_docs_policy(send)
        await self.app(scope, receive, send)

    async def _preflight(self, headers: dict[bytes, list[bytes]], send: Send) -> None:
        # Listed origins get the methods and headers (before_send adds
        # Allow-Origin); others get a refusal that tells them nothing.
        if _first(headers, b"origin").lower() not in self.security.trusted_origins:
            raise OriginNotAllowed()
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    (b"access-control-allow-methods", ALLOWED_METHODS),
                    (b"access-control-allow-headers", ALLOWED_HEADERS),
                    (b"access-control-max-age", b"600"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _reads_body(scope: Any) -> bool:
    handler: Any = scope.get("route_handler")
    # parsed_data_field is computed once per handler by Litestar itself.
    return handler is not None and handler.parsed_data_field is not None
