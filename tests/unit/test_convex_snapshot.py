"""Reading an export's layout: tables, components, file storage, table numbers,
bad lines and bad metadata."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.convex_io.snapshot import INFERRED, UNIFORM, Snapshot, SnapshotError
from app.convex_io.values import BadValue


def folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return root


def test_tables_components_and_storage_are_told_apart(tmp_path: Path) -> None:
    root = folder(
        tmp_path,
        {
            "README.md": b"x",
            "_tables/documents.jsonl": b'{"name":"users","id":10001}\n'
            b'{"name":"tasks","id":10002}\n',
            "users/documents.jsonl": b'{"_id":"a"}\n\n{"_id":"b"}\n',
            "users/generated_schema.jsonl": b'"uniform"\n',
            "tasks/documents.jsonl": b'{"_id":"c"}\n',
            "_storage/documents.jsonl": b'{"_id":"s"}\n',
            "_components/workflow/users/documents.jsonl": b'{"_id":"d"}\n{"_id":"e"}\n',
        },
    )
    with Snapshot(root) as snapshot:
        assert snapshot.table_numbers() == {"users": 10001, "tasks": 10002}
        assert snapshot.tables() == (
            ["tasks", "users"],
            ["_components/workflow/users", "_storage"],
        )
        assert snapshot.count("users") == 2  # the empty line is no document
        assert snapshot.count("_components/workflow/users") == 2
        assert snapshot.decoder("users").era == UNIFORM
        assert snapshot.decoder("tasks").era == INFERRED  # no generated_schema.jsonl


def test_a_zip_reads_like_its_folder_and_bad_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("users/documents.jsonl", b'{"_id":"a"}\n\xff\xfe\n{"_id":"b"}\n')
        archive.writestr("users/generated_schema.jsonl", b'"{\\"_id\\": string}"\n')
    with Snapshot(path) as snapshot:
        assert snapshot.table_numbers() is None
        lines = list(snapshot.lines("users"))
        assert [number for number, _ in lines] == [1, 2, 3]
        assert isinstance(lines[1][1], BadValue) and str(lines[1][1]) == "not UTF-8"
        assert snapshot.decoder("users").decode('{"_id": "b"}') == {"_id": "b"}


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (b'{"name":"users","id":1}\n{"name":"users","id":2}\n', "listed twice"),
        (b'{"name":"users","id":1}\n{"name":"tasks","id":1}\n', "the number 1"),
        (b'{"name":"users"}\n', "line 1: not {name, id}"),
        (b"not json\n", "line 1: not JSON"),
    ],
)
def test_bad_table_lists_are_one_line(tmp_path: Path, tables: bytes, message: str) -> None:
    root = folder(tmp_path, {"_tables/documents.jsonl": tables})
    with Snapshot(root) as snapshot, pytest.raises(SnapshotError, match=message):
        snapshot.table_numbers()


def test_a_bad_schema_file_names_its_line(tmp_path: Path) -> None:
    root = folder(
        tmp_path,
        {
            "users/documents.jsonl": b"{}\n",
            "users/generated_schema.jsonl": b'"{\\"_id\\": string}"\n{"x": "sometimes"}\n',
        },
    )
    with Snapshot(root) as snapshot, pytest.raises(SnapshotError, match="line 2"):
        snapshot.decoder("users")


def test_what_is_not_an_export_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SnapshotError, match="neither a ZIP file nor a folder"):
        Snapshot(tmp_path / "notes.txt")
    with pytest.raises(SnapshotError, match="does not exist"):
        Snapshot(tmp_path / "missing.zip")
