"""Log lines without a server: JSON fields, request IDs, redaction, the text format."""

from __future__ import annotations

import json
import logging

from app.logs import REQUEST_ID, JsonFormatter, RequestContext, TextFormatter, logging_config


def record(message: str, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("app.test", logging.WARNING, __file__, 1, message, (), None)
    made.__dict__.update(extra)
    RequestContext().filter(made)
    return made


def test_a_json_line_has_the_fields_and_the_request_id() -> None:
    token = REQUEST_ID.set("req-1")
    try:
        line = JsonFormatter().format(record("hello %s", status=200))
    finally:
        REQUEST_ID.reset(token)
    parsed = json.loads(line)
    assert parsed["level"] == "WARNING" and parsed["logger"] == "app.test"
    assert parsed["request_id"] == "req-1" and parsed["status"] == 200
    assert parsed["time"].endswith("Z") and "request_tag" not in parsed
    assert "\n" not in line


def test_secret_looking_fields_are_redacted_at_any_depth() -> None:
    line = JsonFormatter().format(
        record("x", password="hunter2 secret", details={"sessionToken": "tok-123", "ok": 1})
    )
    assert "hunter2" not in line and "tok-123" not in line
    parsed = json.loads(line)
    assert parsed["password"] == "[redacted]" and parsed["details"]["ok"] == 1


def test_the_text_format_shows_the_request_id_only_in_a_request() -> None:
    outside = TextFormatter().format(record("plain"))
    assert outside.endswith("WARNING app.test plain")
    token = REQUEST_ID.set("abc")
    try:
        inside = TextFormatter().format(record("in a request"))
    finally:
        REQUEST_ID.reset(token)
    assert inside.endswith("WARNING app.test [abc] in a request")


def test_the_driver_never_logs_below_info() -> None:
    config = logging_config("json", "DEBUG")
    assert config["loggers"]["pymongo"]["level"] == "INFO"
    assert config["root"]["level"] == "DEBUG"
    assert logging_config("text", "WARNING")["loggers"]["pymongo"]["level"] == "WARNING"
