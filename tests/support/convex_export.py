"""Convex snapshot exports of ``PanelData`` (CONVEX.md §2.2-2.3), as a ZIP or
a folder, in the current ("uniform") era or the older one (clean JSON: int64
and bytes as strings; a shape line and per-document overrides say which)."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path
from typing import Any

from app.convex_io.values import encode_uniform
from tests.support.panel_data import PanelData

UNIFORM, INFERRED = "uniform", "inferred"
MALFORMED = '{"_id": "j570c3a2vfz8js99c3t12b68hh863egz", "event_type": "login'

# The older era's shapes for the panel's fields (what Convex infers from the
# schema's values); fields not listed here are shaped ``unknown``.
_STRING, _BOOLEAN = "string", "boolean"
FIELD_SHAPES: dict[str, dict[str, str]] = {
    "users": {
        "name": _STRING,
        "email": _STRING,
        "role": _STRING,
        "permissions": "array<string>",
        "phone": _STRING,
        "avatar": _STRING,
        "isActive": _BOOLEAN,
        "labels": "array<string>",
        "createdAt": _STRING,
        "lastLogin": _STRING,
        "passwordHash": _STRING,
        "two_factor_enabled": _BOOLEAN,
    },
    "user_sessions": {
        "user_id": "id<10001>",
        "device_info": _STRING,
        "ip_address": _STRING,
        "user_agent": _STRING,
        "is_active": _BOOLEAN,
        "last_activity": _STRING,
        "created_at": _STRING,
        "revoked_at": _STRING,
        "revocation_reason": _STRING,
    },
    "security_events": {
        "event_type": _STRING,
        "user_id": "id<10001>",
        "ip_address": _STRING,
        "user_agent": _STRING,
        # An int64 inferred from the shape alone, no override needed.
        "details": '{"attempts": int64, "method": "2fa", "ratio": float64, "score": normalfloat64}',
        "severity": '"critical" | "high" | "low" | "medium"',
        "occurred_at": _STRING,
        "reviewed": _BOOLEAN,
    },
    "audit_logs": {
        "userId": "id<10001>",
        "userName": _STRING,
        "action": '"CREATE" | "DELETE" | "UPDATE" | "VIEW"',
        "resource": _STRING,
        "resourceId": _STRING,
        "ipAddress": _STRING,
        "userAgent": _STRING,
        "timestamp": _STRING,
        # changes and metadata are v.any(): unknown, with overrides.
    },
    "beneficiaries": {"name": _STRING, "created_by": "id<10001>"},
}


def _clean(value: Any) -> Any:
    """Convex's clean JSON (the older export)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return {key: _clean(item) for key, item in value.items()}


def _context(value: Any) -> Any:
    """The override a value needs under an ``unknown`` shape (None: infer)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "int64"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, list):
        items = [_context(item) for item in value]
        return [item or "infer" for item in items] if any(items) else None
    if isinstance(value, dict):
        fields = {key: ctx for key, item in value.items() if (ctx := _context(item))}
        return fields or None
    return None


def _shape(table: str, number: int, documents: list[dict[str, Any]]) -> str:
    known = FIELD_SHAPES[table]
    names = sorted({key for doc in documents for key in doc} - {"_id", "_creationTime"})
    required = {name for name in names if all(name in doc for doc in documents)}
    parts = ['"_creationTime": normalfloat64', f'"_id": id<{number}>']
    for name in names:
        optional = "" if name in required else "?"
        parts.append(f'"{name}"{optional}: {known.get(name, "unknown")}')
    return "{" + ", ".join(parts) + "}"


def _table_files(
    table: str, number: int, documents: list[dict[str, Any]], era: str
) -> tuple[list[str], str]:
    """(documents.jsonl lines, generated_schema.jsonl)."""
    if era == UNIFORM:
        return [encode_uniform(doc) for doc in documents], json.dumps(UNIFORM) + "\n"
    known = FIELD_SHAPES[table]
    lines, schema = [], [json.dumps(_shape(table, number, documents))]
    for doc in documents:
        lines.append(json.dumps(_clean(doc), sort_keys=True, ensure_ascii=False))
        unknown = {key: value for key, value in doc.items() if key not in known and key[0] != "_"}
        context = _context(unknown)
        if context:
            schema.append(json.dumps({doc["_id"]: context}))
    return lines, "\n".join(schema) + "\n"


def write_export(
    data: PanelData,
    path: Path,
    *,
    era: str = UNIFORM,
    as_zip: bool = True,
    malformed_line: int | None = None,
) -> Path:
    """Write the export; ``malformed_line`` puts a broken line at that line of
    ``security_events/documents.jsonl`` (the documents after it still count)."""
    files: dict[str, str] = {"README.md": "# Welcome to your Convex snapshot export!\n"}
    ordered = sorted(data.numbers.items(), key=lambda item: item[1])
    files["_tables/documents.jsonl"] = "".join(
        json.dumps({"name": name, "id": number}) + "\n" for name, number in ordered
    )
    for table, documents in data.tables.items():
        lines, schema = _table_files(table, data.numbers[table], documents, era)
        if table == "security_events" and malformed_line is not None:
            lines.insert(malformed_line - 1, MALFORMED)
        files[f"{table}/documents.jsonl"] = "".join(line + "\n" for line in lines)
        files[f"{table}/generated_schema.jsonl"] = schema
    if as_zip:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in files.items():
                archive.writestr(name, text)
    else:
        for name, text in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text)
    return path
