"""The repository's layout rules: thin entry points in scripts/, one definition
of each process and seeding helper, small bench modules, an app that imports
nothing from the tests or the scripts."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app", "tests", "scripts")
# Helpers the suite and the bench share (tests/support, app/engine.py).
SHARED_HELPERS = {
    "free_port",
    "die_with_parent",
    "service_environment",
    "start_service",
    "wait_ready",
    "stop_process",
    "descendants",
    "cpu_seconds",
    "rss_bytes",
    "user_document",
}


def python_files() -> list[Path]:
    return sorted(path for top in SOURCES for path in (ROOT / top).rglob("*.py"))


def test_scripts_holds_entry_points_only() -> None:
    entries = [path for path in (ROOT / "scripts").iterdir() if path.is_file()]
    assert {path.name for path in entries} >= {"serve", "test", "bench", "fuzz"}
    for path in entries:
        assert path.suffix == "", f"{path.name}: code belongs in a package, not in scripts/"
        assert path.read_text().startswith("#!/usr/bin/env bash\n"), path.name


def test_shared_helpers_are_defined_once() -> None:
    definitions: Counter[str] = Counter()
    prctl_calls: list[str] = []
    for path in python_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:  # module level: methods of other names may reuse them
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                name = node.name.lstrip("_")
                if name in SHARED_HELPERS:
                    definitions[name] += 1
        for call in ast.walk(tree):
            if isinstance(call, ast.Attribute) and call.attr == "prctl":
                prctl_calls.append(str(path.relative_to(ROOT)))
    assert {name for name, count in definitions.items() if count > 1} == set()
    assert set(definitions) == SHARED_HELPERS
    assert prctl_calls == ["app/engine.py"]


def test_bench_modules_are_small() -> None:
    modules = sorted((ROOT / "tests" / "bench").glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        lines = len(path.read_text().splitlines())
        assert lines <= 300, f"{path.name}: {lines} lines"


def test_app_imports_nothing_from_tests_or_scripts() -> None:
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("tests", "scripts"), f"{path}: {name}"


def _readme_layout() -> list[str]:
    """The paths the README's layout block names (first column)."""
    text = (ROOT / "README.md").read_text()
    block = text.split("## Layout\n", 1)[1].split("```\n", 2)[1]
    return [line.split()[0] for line in block.splitlines() if line and not line.startswith(" ")]


def test_the_readme_layout_matches_the_tree() -> None:
    named = _readme_layout()
    for path in named:
        assert (ROOT / path).exists(), f"README layout names {path}, which does not exist"
    entries = {
        f"app/{path.name}" + ("/" if path.is_dir() else "")
        for path in (ROOT / "app").iterdir()
        if path.name not in {"__init__.py", "__pycache__"}
    }
    assert entries <= set(named), f"missing from the README layout: {entries - set(named)}"
