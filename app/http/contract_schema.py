"""Constraints the service checks outside its Structs, written into the
published document's request schemas so that what the document calls valid
is what the service accepts.

They are checked elsewhere on purpose (an ID's form answers 400
``INVALID_ID``, names are trimmed, control characters are refused by one
middleware for every string), so they are added to the document here, once,
after Litestar builds it, instead of becoming Struct constraints with other
error codes. Two rules no JSON Schema can state stay in the descriptions: an
ID's checksum and table, and the list of common passwords.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import OpenAPI, OpenAPIFormat, OpenAPIType, Reference, Schema

from app.http.contract_examples import EXAMPLES

# U+0000-U+001F and U+007F-U+009F (app/http/control_chars.py), in the
# \uXXXX form both ECMAScript and Python regular expressions read.
_CONTROL = r"\u0000-\u001f\u007f-\u009f"
_CHAR = f"[^{_CONTROL}]"
_VISIBLE = f"[^\\s{_CONTROL}]"
_SPACE = f"[^\\S{_CONTROL}]"

TEXT = f"^{_CHAR}*$"
# Convex IDs (app/documents/ids.py) or the 24-hex ObjectIds of earlier versions.
ID = r"^(?:[0-9a-hjkmnp-tv-z]{31,37}|[0-9a-f]{24})$"
ID_RULE = (
    " The checksum and the table number inside a Convex ID are checked too: "
    "an ID of another table is 400 INVALID_ID."
)
# 1-200 characters after trimming (app/users/schemas.py clean_name).
NAME = f"^{_SPACE}*{_VISIBLE}(?:{_CHAR}{{0,198}}{_VISIBLE})?{_SPACE}*$"
PASSWORD = f"^{_CHAR}*{_VISIBLE}{_CHAR}*$"
POLICY_TEXT = (
    "At least 8 characters and at most 1,024 bytes, not only whitespace, and not "
    "one of the 30,000 most common passwords (400 otherwise)."
)
AVATAR = f"^https?://[^\\s{_CONTROL}]+$"
# Search needs a letter or digit (app/users/search.py splits on [\W_]+).
SEARCH = f"^{_CHAR}*[^\\W_]{_CHAR}*$"
LABEL = r"^[\w-]{1,36}$"
PERMISSION = r"^\w+:\w+$"
PHONE_WITH_DIGIT = r"^\+?[0-9 ()\-]{0,31}[0-9][0-9 ()\-]{0,31}$"


def _string(
    schema: Schema,
    *,
    pattern: str | None = None,
    description: str = "",
    min_length: int = 0,
    max_length: int = 0,
) -> None:
    if min_length:
        schema.min_length = min_length
    if max_length:
        schema.max_length = max_length
    if pattern is not None:
        schema.pattern = pattern
    elif schema.pattern is None and schema.format is None and schema.enum is None:
        schema.pattern = TEXT
    if description:
        schema.description = (schema.description or "") + description


def _email(schema: Schema) -> None:
    schema.format = OpenAPIFormat.EMAIL
    schema.max_length = 254
    schema.pattern = TEXT


def _id(schema: Schema) -> None:
    _string(schema, pattern=ID, description=ID_RULE)


def _password(schema: Schema) -> None:
    _string(schema, pattern=PASSWORD, description=POLICY_TEXT)


# Field or parameter name -> its refinement; every other string gets TEXT.
FIELDS: dict[str, Callable[[Schema], None]] = {
    "id": _id,
    "ids": _id,  # the items of batch-get's list
    "resource_id": _id,
    "email": _email,
    "name": lambda schema: _string(schema, pattern=NAME),
    "newPassword": _password,
    # Any password given is not empty and at most 1,024 bytes (app/security/passwords.py).
    "password": lambda schema: _string(schema, min_length=1, max_length=1024),
    "currentPassword": lambda schema: _string(schema, min_length=1, max_length=1024),
    "avatar": lambda schema: _string(schema, pattern=AVATAR),
    "search": lambda schema: _string(schema, pattern=SEARCH),
    # Litestar drops the item constraints of an optional list: restated here.
    "labels": lambda schema: _string(schema, pattern=LABEL),
    "permissions": lambda schema: _string(schema, pattern=PERMISSION),
}
COMPONENT_FIELDS: dict[tuple[str, str], Callable[[Schema], None]] = {
    # Only creation requires a digit in a phone number.
    ("UserCreate", "phone"): lambda schema: _string(schema, pattern=PHONE_WITH_DIGIT),
    # The policy applies to new passwords; login takes any stored one.
    ("UserCreate", "password"): _password,
    ("PasswordSetIn", "password"): _password,
}


# A Convex patch removes a field with null, except these (400 otherwise).
REQUIRED_IN_PATCH = {"UserPatch": ("name", "email", "role", "permissions", "isActive")}
SYSTEM_FIELDS_RULE = "Accepted only with the document's stored value (400 otherwise)."


def _not_null(schema: Schema | Reference) -> Schema | Reference:
    if isinstance(schema, Schema) and schema.one_of:
        kept = [
            v for v in schema.one_of if not (isinstance(v, Schema) and _is(v, OpenAPIType.NULL))
        ]
        if len(kept) == 1 and isinstance(kept[0], Schema):
            variant = kept[0]
            for name in ("max_length", "min_length", "pattern", "max_items", "min_items"):
                if getattr(variant, name) is None and getattr(schema, name) is not None:
                    setattr(variant, name, getattr(schema, name))
            return variant
    return schema


def _is(schema: Schema, kind: OpenAPIType) -> bool:
    kinds = schema.type if isinstance(schema.type, list) else [schema.type]
    return kind in kinds


def _refine(schema: Schema | Reference | None, refine: Callable[[Schema], None] | None) -> None:
    if not isinstance(schema, Schema):
        return
    for variant in [*(schema.one_of or ()), *(schema.any_of or ())]:
        _refine(variant, refine)
    if _is(schema, OpenAPIType.ARRAY):
        _refine(schema.items, refine)
    elif _is(schema, OpenAPIType.STRING):
        (refine or _string)(schema)


def _component(openapi: OpenAPI, reference: Schema | Reference | None) -> tuple[str, Schema | None]:
    if isinstance(reference, Reference):
        name = reference.ref.rsplit("/", 1)[1]
        schemas = openapi.components.schemas or {} if openapi.components else {}
        found = schemas.get(name)
        return name, found if isinstance(found, Schema) else None
    return "", reference


def add_examples(openapi: OpenAPI) -> None:
    schemas = openapi.components.schemas or {} if openapi.components else {}
    for name, example in EXAMPLES.items():
        schema = schemas.get(name)
        if isinstance(schema, Schema):
            schema.examples = [example]


def refine_requests(openapi: OpenAPI) -> None:
    """Add the service's own checks to every request parameter and body."""
    seen: set[str] = set()
    for item in (openapi.paths or {}).values():
        for operation in (item.get, item.put, item.post, item.patch, item.delete):
            if operation is None:
                continue
            for parameter in operation.parameters or ():
                if not isinstance(parameter, Reference):
                    _refine(parameter.schema, FIELDS.get(parameter.name))
            body = operation.request_body
            if body is None or isinstance(body, Reference):
                continue
            for media in body.content.values():
                name, schema = _component(openapi, media.schema)
                if schema is None or name in seen:
                    continue
                seen.add(name)
                # Every body Struct refuses unknown fields (forbid_unknown_fields).
                schema.additional_properties = False
                properties = schema.properties or {}
                for field in REQUIRED_IN_PATCH.get(name, ()):
                    properties[field] = _not_null(properties[field])
                for field in ("_id", "_creationTime"):
                    if isinstance(properties.get(field), Schema):
                        properties[field].description = SYSTEM_FIELDS_RULE
                for field, field_schema in properties.items():
                    refine = COMPONENT_FIELDS.get((name, field)) or FIELDS.get(field)
                    _refine(field_schema, refine)


class _RefinedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's plugin, refining the document it builds (lazily, on first use)."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        openapi = super()._build_openapi()
        refine_requests(openapi)
        add_examples(openapi)
        return openapi


def refine_document(app: Litestar) -> None:
    """Make the app's OpenAPI plugin refine its document. Litestar creates the
    plugin itself and takes no hook for this; the subclass adds no state."""
    app.plugins.get(OpenAPIPlugin).__class__ = _RefinedOpenAPIPlugin
