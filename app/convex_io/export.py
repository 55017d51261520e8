"""``db export-convex OUT.zip``: the four collections as a Convex snapshot
export in the current ("uniform") format, with the panel's table and field
names, that ``npx convex import`` (or ``db import-convex``) reads back.

Password hashes are in it (it is a backup), so the file is written under a
temporary name created with mode 0600, synced, and renamed into place: it is
never readable by others, not even while it is being written, and a reader
never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.convex_io.importer import ProgressSink
from app.convex_io.repository import BulkDocuments
from app.convex_io.snapshot import TABLES_ENTRY, UNIFORM
from app.convex_io.tables import mappings
from app.convex_io.values import encode_uniform
from app.documents import ID_FIELD

README = """# Snapshot export

Written by the Panel Users Service (`db export-convex`) in the format of
`npx convex export`: the documents of each table are JSON lines in
`<table_name>/documents.jsonl`. It contains password hashes: keep it private.
"""
_ENTRY_MODE = (stat.S_IFREG | 0o600) << 16


class ExportError(Exception):
    """The export cannot be written; the message says why, in one line."""


@dataclass
class ExportResult:
    path: Path
    documents: dict[str, int] = field(default_factory=dict)
    # Documents whose _id Convex would refuse (shaped as a MongoDB ObjectId).
    foreign_ids: dict[str, int] = field(default_factory=dict)
    table_numbers: dict[str, int] = field(default_factory=dict)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = _ENTRY_MODE
    return info


def _is_convex_id(value: str) -> bool:
    return 31 <= len(value) <= 37


async def export_snapshot(
    path: Path,
    sources: Mapping[str, BulkDocuments],
    numbers_in_use: Mapping[str, int],
    *,
    overwrite: bool = False,
    progress: ProgressSink,
) -> ExportResult:
    """Write ``sources`` (by panel table name) to ``path`` atomically, mode 0600."""
    path, descriptor, temporary = _private_temporary(path, overwrite)
    # The numbers the service mints with (settings, or an import's).
    numbers = {name: numbers_in_use[name] for name in sources}
    result = ExportResult(path, table_numbers=numbers)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            with zipfile.ZipFile(raw, "w") as archive:
                archive.writestr(_entry("README.md"), README)
                tables = "".join(  # keys in Convex's order: name, id
                    json.dumps({"name": name, "id": number}, ensure_ascii=False) + "\n"
                    for name, number in sorted(numbers.items(), key=lambda item: item[1])
                )
                archive.writestr(_entry(TABLES_ENTRY), tables)
                for name, source in sources.items():
                    await _write_table(archive, name, source, result, progress)
            raw.flush()
            os.fsync(raw.fileno())
        _publish(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return result


def _private_temporary(path: Path, overwrite: bool) -> tuple[Path, int, str]:
    """(the absolute target, the descriptor and name of a new file beside it)."""
    path = path.absolute()
    if path.exists() and not overwrite:
        raise ExportError(f"{path} exists (--overwrite replaces it)")
    if not path.parent.is_dir():
        raise ExportError(f"{path.parent} is not a directory")
    # mkstemp creates the file with mode 0600 (O_EXCL), whatever the umask.
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    return path, descriptor, temporary


def _publish(temporary: str, path: Path) -> None:
    """Rename into place, and make the rename durable."""
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


async def _write_table(
    archive: zipfile.ZipFile,
    name: str,
    source: BulkDocuments,
    result: ExportResult,
    progress: ProgressSink,
) -> None:
    mapping = mappings()[name]
    count = foreign = 0
    progress.start(f"exporting {name}", await source.repository.count({}))
    try:
        with archive.open(_entry(f"{name}/documents.jsonl"), "w") as out:
            async for document in source.documents():
                out.write(encode_uniform(mapping.to_panel(document)).encode() + b"\n")
                count += 1
                foreign += not _is_convex_id(str(document[ID_FIELD]))
                progress.advance(1)
    finally:
        progress.stop()
    archive.writestr(_entry(f"{name}/generated_schema.jsonl"), f'"{UNIFORM}"\n')
    result.documents[name] = count
    if foreign:
        result.foreign_ids[name] = foreign
