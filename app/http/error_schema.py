"""The 400 of the OpenAPI document, as the service answers it.

Litestar documents a 400 as its own ``{status_code, detail, extra}``; the
service answers ``{success: false, code, error, details?}`` (app/errors.py),
with ``details`` a list of ``{field, reason, message}`` for the input errors
(app/field_problems.py). Every operation can answer that 400: an undeclared
query parameter is refused on every route (app/http/input_contract.py).
The codes and reasons listed are the closed sets themselves.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)

from app.errors import ErrorCode
from app.field_problems import FieldProblem

_STRING = OpenAPIType.STRING

FIELD_ERROR = Schema(
    type=OpenAPIType.OBJECT,
    required=["field", "reason", "message"],
    properties={
        "field": Schema(
            type=_STRING,
            description="Where: a query, path or header parameter, a body key "
            "(`labels[1]`, `a.b` below the root), or `body` for the body itself",
        ),
        "reason": Schema(type=_STRING, enum=[problem.value for problem in FieldProblem]),
        "message": Schema(type=_STRING, description="The reason's text, in English or Turkish"),
    },
)

ERROR_BODY = Schema(
    type=OpenAPIType.OBJECT,
    required=["success", "code", "error"],
    properties={
        "success": Schema(type=OpenAPIType.BOOLEAN, const=False),
        "code": Schema(type=_STRING, enum=[code.value for code in ErrorCode]),
        "error": Schema(type=_STRING, description="The code's text, in English or Turkish"),
        "details": Schema(
            one_of=[
                Schema(type=OpenAPIType.ARRAY, items=Reference("#/components/schemas/FieldError")),
                Schema(type=OpenAPIType.OBJECT, description="Facts of a non-input error"),
            ]
        ),
    },
)

EXAMPLE = {
    "success": False,
    "code": ErrorCode.VALIDATION_ERROR.value,
    "error": "The request is not valid",
    "details": [
        {"field": "name", "reason": "too_short", "message": "must be at least 1 characters"},
        {"field": "email", "reason": "email_invalid", "message": "must be a valid email address"},
    ],
}

BAD_REQUEST = OpenAPIResponse(
    description="Bad input: VALIDATION_ERROR lists every refused field at once; "
    "UNKNOWN_PARAMETER names each undeclared query parameter; INVALID_ID, "
    "INVALID_CURSOR, DUPLICATE_KEY",
    content={
        "application/json": OpenAPIMediaType(
            schema=Reference("#/components/schemas/ErrorBody"), example=EXAMPLE
        )
    },
)


def document_bad_requests(openapi: OpenAPI) -> None:
    """Put the service's error body in the document's components and make it every
    operation's 400 (in place: Litestar serves the document it built once)."""
    if openapi.components is not None:
        schemas = openapi.components.schemas if openapi.components.schemas is not None else {}
        schemas.update({"ErrorBody": ERROR_BODY, "FieldError": FIELD_ERROR})
        openapi.components.schemas = schemas
    for item in (openapi.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            responses["400"] = BAD_REQUEST
            operation.responses = responses


def describe_errors(app: Litestar) -> None:
    """An ``on_startup`` hook: the document is built and amended before any request."""
    document_bad_requests(app.openapi_schema)
