"""Log lines: one JSON object per line in production, readable text at a terminal.

``APP_LOG_FORMAT`` is ``json``, ``text`` or ``auto`` (text when stderr is a
terminal, JSON otherwise). Both the supervisor process and the HTTP worker
use the same configuration (``logging_config``), granian's own loggers
included, so every line of a run has one format. Every line written while a
request is handled carries its request ID (``REQUEST_ID``, set by
``app/http/observe.py``); secret-looking keys are redacted from JSON lines
as they are from audit logs (``app/redaction.py``).
"""

from __future__ import annotations

import logging
import logging.config
import sys
from contextvars import ContextVar
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.msgspec import MsgspecFormatter

from app.redaction import is_secret_field, redact

LogFormat = Literal["auto", "text", "json"]

# The ID of the request being handled in this context (None outside requests).
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(request_tag)s%(message)s"


class RequestContext(logging.Filter):
    """Puts the current request's ID on every record a handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        record.request_id = request_id
        record.request_tag = f"[{request_id}] " if request_id else ""
        return True


class JsonFormatter(MsgspecFormatter):
    """``{"time", "level", "logger", "message", "request_id", ...extra}``."""

    def __init__(self) -> None:
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            reserved_attrs=[*RESERVED_ATTRS, "request_tag"],
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        # Fields given with extra= are kept, but never a secret-looking one.
        if any(is_secret_field(key) for key in log_data):
            return redact(log_data)
        return log_data


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)


def resolve_format(log_format: LogFormat) -> Literal["text", "json"]:
    if log_format != "auto":
        return log_format
    return "text" if sys.stderr.isatty() else "json"


def logging_config(log_format: LogFormat, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for this process and granian's workers
    (granian replaces its own formatters, handlers and loggers with these)."""
    formatter = JsonFormatter if resolve_format(log_format) == "json" else TextFormatter
    handler = ["main"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": f"{__name__}.RequestContext"}},
        "formatters": {"main": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {
            "main": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "main",
                "filters": ["request"],
            }
        },
        "root": {"handlers": handler, "level": level},
        "loggers": {
            "_granian": {"handlers": handler, "level": level, "propagate": False},
            "granian.access": {"handlers": handler, "level": level, "propagate": False},
            # Never below INFO: the driver's DEBUG lines carry whole commands and
            # replies, password hashes included.
            "pymongo": {"level": "INFO" if level == "DEBUG" else level},
        },
    }


def configure(log_format: LogFormat, level: str) -> dict[str, Any]:
    config = logging_config(log_format, level)
    logging.config.dictConfig(config)
    return config
