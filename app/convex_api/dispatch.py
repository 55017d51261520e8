"""One call of ``ConvexHttpClient``: the body read as the backend reads it, the
function run here or forwarded, the answer in Convex's shape (CONVEX.md §1.6,
§1.7): HTTP 200 with ``{"status": "success", "value"}`` or ``{"status":
"error", "errorMessage", "errorData"?}``; malformed requests raise
``BadRequest`` (HTTP 400)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from app.convex_api.forward import Forwarded, Forwarder
from app.convex_api.functions import Backends, Function
from app.convex_api.paths import BadFunctionPath, FunctionPath, parse_function_path
from app.convex_api.registry import FUNCTIONS, OWNED_MODULES
from app.convex_api.validators import ArgumentError
from app.convex_io.values import BadValue, decode_encoded, to_encoded
from app.deadline import database_deadline
from app.errors import MESSAGES, AppError, ErrorCode, ValidationError
from app.field_problems import render_details
from app.http.control_chars import check_json_body
from app.security.principal import Caller

ENDPOINTS = ("query", "mutation", "action", "function")
ENCODED_FORMATS = ("convex_encoded_json", "convex_json")
CLEAN_FORMATS = ("json", "convex_clean_json")
# Functions whose database work has deadlines of its own (a password check).
OWN_DEADLINES = frozenset({"auth:verifyCredentials"})
# The English the panel's routes look for in a message ("already exists" → 409).
ENGLISH = {ErrorCode.EMAIL_TAKEN: "A user with this email already exists"}


class BadRequest(Exception):
    """HTTP 400; the message is the backend's text for it."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes
    content_type: str = "application/json"


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _js_numbers(value: Any) -> Any:
    """Counts in error details as JS numbers (an int would reach the panel as a BigInt)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {key: _js_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_js_numbers(item) for item in value]
    return value


def _function_error(message: str, data: Any = None, *, clean: bool = False) -> Answer:
    body: dict[str, Any] = {"status": "error", "errorMessage": message}
    if data is not None:
        body["errorData"] = to_encoded(data, clean=clean)
    return Answer(200, _json(body))


def _server_error(detail: str) -> str:
    """A thrown error as a dev deployment words it."""
    return f"[Request ID: {secrets.token_hex(8)}] Server Error\nUncaught {detail}"


class ConvexAPI:
    def __init__(
        self, backends: Backends, forwarder: Forwarder | None, request_timeout_seconds: float
    ) -> None:
        self.backends = backends
        self.forwarder = forwarder
        self.request_timeout_seconds = request_timeout_seconds

    def _table_name(self, number: int) -> str | None:
        names = {n: table for table, n in self.backends.tables.as_dict().items()}
        return names.get(number)

    async def call(
        self, endpoint: str, raw: bytes, caller: Caller, convex_client: str | None
    ) -> Answer | Forwarded:
        try:
            body = decode_encoded(raw)
        except BadValue as exc:
            raise BadRequest(f"Failed to deserialize request body: {exc}") from None
        try:
            path = parse_function_path(body.get("path"))
        except BadFunctionPath as exc:
            raise BadRequest(str(exc)) from None
        form = body.get("format")
        if form is not None and form not in ENCODED_FORMATS + CLEAN_FORMATS:
            raise BadRequest(f"format param must be one of [`json`]. Got {str(form)[:100]}")
        clean = form is None or form in CLEAN_FORMATS
        function = FUNCTIONS.get(path.name)
        if function is None:
            if self.forwarder is None or path.module in OWNED_MODULES:
                return _function_error(
                    f"Could not find public function for '{path.name}'. Did you forget to run"
                    " `npx convex dev` or `npx convex deploy`?"
                )
            return await self.forwarder.forward(endpoint, raw, convex_client)
        check_json_body(raw)  # the service's rule for what it keeps (400)
        args = self._args(body.get("args", {}))
        if endpoint != "function" and function.kind != endpoint:
            return _function_error(
                f"Trying to execute {path.canonical} as {endpoint.capitalize()}, but it is"
                f" defined as {function.kind.capitalize()}."
            )
        try:
            function.args.check(args, "", self._table_name)
        except ArgumentError as exc:
            return _function_error(f"ArgumentValidationError: {exc}")
        return await self._run(path, function, args, caller, clean)

    @staticmethod
    def _args(args: Any) -> dict[str, Any]:
        """An array holds the args object (what the client sends); else the object itself."""
        if isinstance(args, list):
            if len(args) != 1:
                raise BadRequest("args must be an array of one object, or an object")
            args = args[0]
        if not isinstance(args, dict):
            raise BadRequest("args must be an object")
        return args

    async def _run(
        self, path: FunctionPath, function: Function, args: dict[str, Any], by: Caller, clean: bool
    ) -> Answer:
        try:
            if path.name in OWN_DEADLINES:
                value = await function.handler(self.backends, by, args)
            else:
                with database_deadline(self.request_timeout_seconds):
                    value = await function.handler(self.backends, by, args)
        except AppError as exc:
            if exc.status_code >= 500:  # outage or overload: HTTP-level, as Convex's
                raise
            return self._domain_error(exc, clean)
        try:
            encoded = to_encoded(value, clean=clean)
        except BadValue as exc:
            raise ValidationError(f"the result is not a Convex value: {exc}") from None
        return Answer(200, _json({"status": "success", "value": encoded}))

    @staticmethod
    def _domain_error(exc: AppError, clean: bool) -> Answer:
        """A ConvexError: the message in Turkish and English (the panel's routes pick
        their status from English words), the code and details as ``errorData``."""
        english, turkish = MESSAGES[exc.code]
        english = ENGLISH.get(exc.code) or exc.message or english
        data: dict[str, Any] = {"code": exc.code.value, "message": english}
        if exc.details is not None:
            data["details"] = _js_numbers(render_details(exc.details, turkish=False))
        return _function_error(
            _server_error(f"ConvexError: {turkish} ({english})"), data, clean=clean
        )
