"""Every route takes only what its handler declares, and a 400 lists every bad field.

One ``before_request`` hook for all routes (``scope["route_handler"]``):

- a query parameter the handler (or one of its dependencies) does not declare
  is 400 ``UNKNOWN_PARAMETER`` naming each such parameter: a mistyped filter
  (``userId`` for ``user_id``) must not silently return everything;
- a parameter that takes one value, given twice, is refused (which one a
  proxy or a cache would read is not knowable);
- query and path values and the JSON body are checked against their
  declarations, and every failure is listed in one 400 ``VALIDATION_ERROR``
  (msgspec stops at the first); a request Struct's ``field_checks`` (trimmed
  name, email rule, …) join the list when something else failed already.

The allowed names come from the handler's own signature, as Litestar reads
it (its ``KwargsModel``), computed once per handler. A value is refused only
when msgspec, with Litestar's options, refuses it too (``app/constraints.py``);
the explanation is ours.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request
from litestar._parsers import parse_query_string
from litestar.types import Scope

from app.constraints import field_checks_of, problems, refuses, type_info
from app.errors import UnknownParameter, ValidationError
from app.field_problems import FieldError, FieldProblem

_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


@dataclass(frozen=True)
class Parameter:
    name: str  # as sent (the alias)
    annotation: Any  # None: declared by a dependency, whose value Litestar checks
    info: Any  # its msgspec.inspect type, computed once
    sequence: bool
    required: bool


@dataclass(frozen=True)
class BodyField:
    name: str  # the attribute, for field_checks
    annotation: Any
    info: Any
    required: bool


@dataclass(frozen=True)
class Contract:
    """What one handler accepts."""

    query: dict[str, Parameter]
    path: dict[str, Parameter]
    body: type[msgspec.Struct] | None
    body_fields: dict[str, BodyField]  # by encoded name
    forbid_unknown: bool


def contract_of(handler: Any, path_params: Any) -> Contract | None:
    """The handler's declared inputs (None for a handler without a signature)."""
    try:
        kwargs = handler.create_kwargs_model(path_parameters=dict.fromkeys(path_params))
        annotations = handler.signature_model.__annotations__
    except AttributeError:
        return None

    def parameter(definition: Any) -> Parameter:
        annotation = annotations.get(definition.field_name)
        return Parameter(
            definition.field_alias,
            annotation,
            type_info(annotation) if annotation is not None else None,
            definition.is_sequence,
            definition.is_required,
        )

    data = handler.parsed_data_field
    struct = data.annotation if data is not None else None
    if not (isinstance(struct, type) and issubclass(struct, msgspec.Struct)):
        struct = None
    fields = {
        f.encode_name: BodyField(f.name, f.type, type_info(f.type), f.required)
        for f in (msgspec.structs.fields(struct) if struct else ())
    }
    return Contract(
        query={p.field_alias: parameter(p) for p in kwargs.expected_query_params},
        path={p.field_alias: parameter(p) for p in kwargs.expected_path_params},
        body=struct,
        body_fields=fields,
        forbid_unknown=bool(struct and struct.__struct_config__.forbid_unknown_fields),
    )


def _value_problems(value: Any, declared: Parameter | BodyField, field: str) -> list[FieldError]:
    # Our walk first (the cheaper one); a problem it finds is confirmed by
    # msgspec, so nothing msgspec accepts is refused here. What the walk misses
    # Litestar still refuses, naming the field.
    if declared.annotation is None:
        return []
    found = problems(value, declared.info, field)
    if found and not refuses(value, declared.annotation):
        return []
    return found


def check_parameters(
    contract: Contract, scope: Scope, query: list[tuple[str, str]]
) -> list[FieldError]:
    """400 UNKNOWN_PARAMETER, else the list of bad query and path values."""
    given = dict.fromkeys(name for name, _ in query)
    unknown = [name for name in given if name not in contract.query]
    if unknown:
        raise UnknownParameter(
            details=[FieldError(name[:64], FieldProblem.UNKNOWN_PARAMETER) for name in unknown]
        )
    errors: list[FieldError] = []
    counts = Counter(name for name, _ in query)
    for name, parameter in contract.query.items():
        values = [value for key, value in query if key == name]
        if not values:
            if parameter.required:
                errors.append(FieldError(name, FieldProblem.REQUIRED))
        elif parameter.sequence:
            errors += _value_problems(values, parameter, name)
        elif counts[name] > 1:
            errors.append(FieldError(name, FieldProblem.REPEATED))
        else:
            errors += _value_problems(values[0], parameter, name)
    for name, value in scope.get("path_params", {}).items():
        if (declared := contract.path.get(name)) is not None:
            errors += _value_problems(value, declared, name)
    return errors


def check_body(contract: Contract, body: Any) -> list[FieldError]:
    if not isinstance(body, dict):
        return [FieldError("body", FieldProblem.NOT_OBJECT)]
    errors: list[FieldError] = []
    if contract.forbid_unknown:
        errors += [
            FieldError(str(key)[:64], FieldProblem.UNKNOWN_FIELD)
            for key in body
            if key not in contract.body_fields
        ]
    for name, field in contract.body_fields.items():
        if name in body:
            errors += _value_problems(body[name], field, name)
        elif field.required:
            errors.append(FieldError(name, FieldProblem.REQUIRED))
    return errors


def check_fields_beyond_types(contract: Contract, body: Any, failed: set[str]) -> list[FieldError]:
    """The Struct's own field checks on the fields that passed their types."""
    if contract.body is None or not isinstance(body, dict):
        return []
    checks = field_checks_of(contract.body)
    errors: list[FieldError] = []
    for name, field in contract.body_fields.items():
        check = checks.get(field.name)
        value = body.get(name)
        if check is None or value is None or name in failed or not isinstance(value, str):
            continue
        try:
            check(value)
        except ValidationError as exc:
            errors += exc.field_errors
    return errors


class InputContract:
    """The app's ``before_request`` hook: after authentication and the route's
    guards (a caller without access gets 401/403, not the route's rules),
    before Litestar reads the parameters and the body."""

    def __init__(self) -> None:
        self._contracts: dict[int, Contract | None] = {}

    def _contract(self, scope: Scope) -> Contract | None:
        handler = scope.get("route_handler")
        key = id(handler)
        if key not in self._contracts:
            self._contracts[key] = contract_of(handler, scope.get("path_params", {}))
        return self._contracts[key]

    async def __call__(self, request: Request[Any, Any, Any]) -> None:
        scope = request.scope
        contract = self._contract(scope)
        if contract is None or request.method == "OPTIONS":
            return
        # Litestar's own parser, in the order sent.
        query = list(parse_query_string(scope.get("query_string", b"")))
        errors = check_parameters(contract, scope, query)
        if contract.body is not None and request.method not in _BODYLESS:
            body = await request.json()  # kept for the handler (StrictJSONRequest)
            body_errors = check_body(contract, body)
            errors += body_errors
            if errors:
                failed = {error.field.split("[")[0].split(".")[0] for error in body_errors}
                errors += check_fields_beyond_types(contract, body, failed)
        if errors:
            raise ValidationError.fields(errors)
