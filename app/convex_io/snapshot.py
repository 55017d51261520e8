"""Reading a Convex snapshot export: the ZIP of ``npx convex export`` or its
unpacked folder (CONVEX.md §2.2-2.4).

``_tables/documents.jsonl`` names the tables and their numbers; each table is
``<name>/documents.jsonl`` (one document per line) beside its
``generated_schema.jsonl``: the line ``"uniform"`` in the current era, the
table's shape followed by per-document override lines in the older one.
Components (``_components/…``) and file storage (``_storage``) are listed, never
imported. Lines are read one at a time, as bytes, so a bad line is reported by
its number and the next one is still read.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from app.convex_io.shapes import INFER, UNKNOWN, Context, Shape, apply, parse_context, parse_shape
from app.convex_io.values import BadValue, decode_plain, decode_uniform

TABLES_ENTRY = "_tables/documents.jsonl"
UNIFORM, INFERRED = "uniform", "inferred"
MAX_LINE_BYTES = 16 * 1024 * 1024  # a Convex document is at most 1 MiB
_DOCUMENTS = re.compile(r"^(.*/)?([^/]+)/documents\.jsonl$")


class SnapshotError(Exception):
    """The export as a whole cannot be read; the message says why, in one line."""


class TableDecoder:
    """Decodes one table's lines in the table's era."""

    def __init__(
        self, era: str, shape: Shape = UNKNOWN, overrides: dict[str, Context] | None = None
    ):
        self.era = era
        self.shape = frozenset({shape})
        self.overrides = overrides or {}

    def decode(self, line: str) -> dict[str, Any]:
        if self.era == UNIFORM:
            return decode_uniform(line)
        document = decode_plain(line)
        context = self.overrides.get(str(document.get("_id")), INFER)
        decoded: dict[str, Any] = apply(context, document, self.shape)
        return decoded


class Snapshot:
    """One export, from a ZIP file or a folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        if self.path.is_dir():
            self._names = sorted(
                str(item.relative_to(self.path)) for item in self.path.rglob("*") if item.is_file()
            )
        elif self.path.is_file() and zipfile.is_zipfile(self.path):
            self._zip = zipfile.ZipFile(self.path)
            self._names = sorted(
                info.filename for info in self._zip.infolist() if not info.is_dir()
            )
        elif self.path.exists():
            raise SnapshotError(f"{self.path} is neither a ZIP file nor a folder")
        else:
            raise SnapshotError(f"{self.path} does not exist")

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(name)
        return (self.path / name).open("rb")

    def _has(self, name: str) -> bool:
        return name in self._names

    def _raw_lines(self, name: str) -> Iterator[tuple[int, bytes | None]]:
        """(line number, bytes without the newline); None for an over-long line."""
        with self._open(name) as stream:
            number = 0
            while line := stream.readline(MAX_LINE_BYTES + 1):
                number += 1
                if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                    while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                        pass
                    yield number, None
                    continue
                yield number, line.rstrip(b"\r\n")

    def lines(self, table: str) -> Iterator[tuple[int, str | BadValue]]:
        """Each non-empty line of a table, or the reason it cannot be read."""
        for number, raw in self._raw_lines(self.documents_entry(table)):
            if raw is None:
                yield number, BadValue(f"longer than {MAX_LINE_BYTES} bytes")
            elif raw.strip():
                try:
                    yield number, raw.decode("utf-8")
                except UnicodeDecodeError:
                    yield number, BadValue("not UTF-8")

    def count(self, table: str) -> int:
        entry = self.documents_entry(table)
        return sum(1 for _, raw in self._raw_lines(entry) if raw is None or raw.strip())

    @staticmethod
    def documents_entry(table: str) -> str:
        return f"{table}/documents.jsonl"

    def _json_lines(self, entry: str) -> Iterator[tuple[int, Any]]:
        """The non-empty lines of a small metadata file, decoded; SnapshotError
        names the line that is not JSON."""
        for number, raw in self._raw_lines(entry):
            if raw is not None and not raw.strip():
                continue
            try:
                yield number, json.loads(raw or b"")
            except ValueError:
                raise SnapshotError(f"{entry} line {number}: not JSON") from None

    def table_numbers(self) -> dict[str, int] | None:
        """``_tables/documents.jsonl`` as {name: number}; None when the export has none."""
        if not self._has(TABLES_ENTRY):
            return None
        numbers: dict[str, int] = {}
        for number, entry in self._json_lines(TABLES_ENTRY):
            name = entry.get("name") if isinstance(entry, dict) else None
            table_number = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not isinstance(table_number, int) or table_number < 1:
                raise SnapshotError(f"{TABLES_ENTRY} line {number}: not {{name, id}}")
            if name in numbers:
                raise SnapshotError(f"{TABLES_ENTRY}: the table {name} is listed twice")
            if table_number in numbers.values():
                raise SnapshotError(f"{TABLES_ENTRY}: two tables have the number {table_number}")
            numbers[name] = table_number
        return numbers

    def tables(self) -> tuple[list[str], list[str]]:
        """(the root component's user tables, everything else that holds documents:
        components, file storage), each in name order."""
        own: list[str] = []
        other: list[str] = []
        for name in self._names:
            match = _DOCUMENTS.match(name)
            if not match or name == TABLES_ENTRY:
                continue
            table = name.removesuffix("/documents.jsonl")
            if match.group(1) is None and not table.startswith("_"):
                own.append(table)
            else:
                other.append(table)
        return own, other

    def decoder(self, table: str) -> TableDecoder:
        """The table's era from its ``generated_schema.jsonl`` (absent: the older
        era over an unknown shape, as Convex reads it)."""
        entry = f"{table}/generated_schema.jsonl"
        if not self._has(entry):
            return TableDecoder(INFERRED)
        shape: Shape | None = None
        overrides: dict[str, Context] = {}
        for number, value in self._json_lines(entry):
            try:
                if shape is None:
                    if value == UNIFORM:
                        return TableDecoder(UNIFORM)
                    if not isinstance(value, str):
                        raise BadValue("the first line is not a shape")
                    shape = parse_shape(value)
                elif isinstance(value, dict):
                    overrides.update({key: parse_context(ctx) for key, ctx in value.items()})
                else:
                    raise BadValue("not an override")
            except (ValueError, RecursionError) as exc:
                raise SnapshotError(f"{entry} line {number}: {exc}") from None
        return TableDecoder(INFERRED, shape or UNKNOWN, overrides)
