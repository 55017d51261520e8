"""The published OpenAPI document against the response convention and the
naming rule of README "Responses": walked schema by schema, so a new route or
field that breaks either fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from app.asgi import create_app
from app.config import Settings

# Schemas of the panel's Convex documents (and the bodies that write them):
# their fields keep the Convex names (`_id`, `isActive`, `two_factor_enabled`).
DOCUMENT_SCHEMAS = {"UserOut", "AuditLogOut", "SecurityEventOut", "UserCreate", "UserPatch"}
# Every other object is the service's own and follows one rule.
CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
# A point in time is named for what happened or ends (`expiresAt`, `lockedUntil`).
TIME_NAME = re.compile(r"(At|Until)$")
LIST_ENVELOPE = {"documents", "continueCursor", "isDone"}
ERROR_BODY = "#/components/schemas/ErrorBody"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app(Settings(mongodb_url="mongodb://127.0.0.1:1/"))
    schema: dict[str, Any] = app.openapi_schema.to_schema()
    return schema


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _is_time(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = _resolve(document, schema)
    variants = schema.get("oneOf") or schema.get("anyOf") or [schema]
    return any(_resolve(document, v).get("format") == "date-time" for v in variants)


def naming_errors(document: dict[str, Any]) -> list[str]:
    errors = []
    for name, schema in document["components"]["schemas"].items():
        properties = schema.get("properties", {})
        if "_id" in properties:
            assert name in DOCUMENT_SCHEMAS, f"{name} carries _id: list it as a document"
        if name in DOCUMENT_SCHEMAS:
            continue
        for field, field_schema in properties.items():
            if not CAMEL_CASE.match(field):
                errors.append(f"{name}.{field}: not camelCase")
            elif _is_time(document, field_schema) and not TIME_NAME.search(field):
                errors.append(f"{name}.{field}: a time must end in At or Until")
    # A query filter on a document field keeps the field's name (?user_id=).
    document_fields = {
        field
        for name in DOCUMENT_SCHEMAS & set(document["components"]["schemas"])
        for field in document["components"]["schemas"][name].get("properties", {})
    }
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            if parameter["in"] == "path" and not CAMEL_CASE.match(name):
                errors.append(f"{method} {path}: path parameter {name}")
            if parameter["in"] == "query" and not (
                CAMEL_CASE.match(name) or name in document_fields
            ):
                errors.append(f"{method} {path}: query parameter {name}")
    return errors


def test_service_objects_follow_one_naming_rule(document: dict[str, Any]) -> None:
    assert naming_errors(document) == []


def test_the_rule_catches_the_names_it_forbids(document: dict[str, Any]) -> None:
    broken = {
        "components": {
            "schemas": {
                "SessionTokenOut": {
                    "properties": {
                        "expire": {"type": "string", "format": "date-time"},
                        "session_id": {"type": "string"},
                    }
                }
            }
        },
        "paths": {"/x/{session_id}": {"get": {"parameters": [{"in": "path", "name": "a_b"}]}}},
    }
    assert len(naming_errors(broken)) == 3


def _success_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    (status,) = [s for s in operation["responses"] if s.startswith("2")]
    content = operation["responses"][status].get("content", {})
    return _resolve(document, content["application/json"]["schema"])


def test_lists_are_one_envelope_and_acknowledgements_say_success(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        schema = _success_schema(document, operation)
        assert schema.get("type") == "object", f"{method} {path} answers a bare {schema}"
        properties = set(schema["properties"])
        if method == "GET" and "documents" in properties:
            # Every list: cursor pages, with limit and cursor parameters.
            assert LIST_ENVELOPE <= properties <= LIST_ENVELOPE | {"total"}, path
            names = {parameter["name"] for parameter in operation["parameters"]}
            assert {"limit", "cursor"} <= names, path
        if "success" in properties:  # an acknowledgement: {success: true, ...counts}
            assert schema["properties"]["success"]["type"] == "boolean", f"{method} {path}"


def test_every_error_status_has_the_one_error_body(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status[0] in "45":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_BODY}, f"{method} {path} {status}"
                assert response["content"]["application/json"]["examples"], f"{path} {status}"
    body = document["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"success", "code", "error"}


def test_security_is_declared_from_the_guards(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"sessionCookie", "bearerSession", "serviceToken"}
    public = {"/health", "/ready", "/api/auth/login", "/api/auth/logout"}
    for method, path, operation in operations(document):
        security = operation.get("security")
        if path in public:
            assert not security, path
            continue
        assert security, f"{method} {path} declares no security"
        assert {"401", "403", "503"} <= set(operation["responses"]), f"{method} {path}"
        for requirement in security:
            (scheme,) = requirement
            assert scheme in schemes
            if scheme == "serviceToken":
                assert len(requirement[scheme]) == 1, f"{path}: a service token needs a scope"
    by_id = document["paths"]["/api/users/{id}"]
    assert {"serviceToken": ["users:read"]} in by_id["get"]["security"]
    assert {"bearerSession": ["users:manage"]} in by_id["get"]["security"]
    assert {"serviceToken": ["users:write"]} in by_id["patch"]["security"]
    me = document["paths"]["/api/auth/me"]["get"]["security"]
    assert me == [{"sessionCookie": []}, {"bearerSession": []}]


def test_statuses_follow_from_parameters_bodies_and_the_domain(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        statuses = set(operation["responses"])
        if operation.get("parameters") or "requestBody" in operation:
            assert "400" in statuses, f"{method} {path}"
        if "requestBody" in operation:
            assert {"413", "415"} <= statuses, f"{method} {path}"
        if "{" in path:
            assert "404" in statuses, f"{method} {path}"
        assert operation.get("summary"), f"{method} {path} has no summary"
        assert operation.get("description"), f"{method} {path} has no description"
    paths = document["paths"]
    assert {"409", "422", "429"} <= set(paths["/api/users"]["post"]["responses"])
    assert {"401", "429"} <= set(paths["/api/auth/login"]["post"]["responses"])
    assert "503" in paths["/ready"]["get"]["responses"]
    assert "503" not in paths["/health"]["get"]["responses"]


def test_path_parameters_carry_the_readme_names_and_the_id_rules(
    document: dict[str, Any],
) -> None:
    templates = {path for path in document["paths"] if "{" in path}
    names = {name for path in templates for name in re.findall(r"{(\w+)}", path)}
    assert names == {"id", "sessionId"}


def test_examples_follow_their_schemas(document: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator, FormatChecker

    with_examples = {
        name: schema
        for name, schema in document["components"]["schemas"].items()
        if schema.get("examples")
    }
    assert {"LoginIn", "UserCreate", "UserOut", "LoginOut", "SessionPage"} <= set(with_examples)
    for name, schema in with_examples.items():
        root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        validator = Draft202012Validator(root, format_checker=FormatChecker())
        for example in schema["examples"]:
            errors = [error.message for error in validator.iter_errors(example)]
            assert errors == [], name
