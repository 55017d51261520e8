"""A new user's shell for the scripts: ``env -i`` with a minimal PATH, a fresh
HOME and a working directory of its own.

The uv already installed is put on PATH (the scripts would install it from
PyPI otherwise) and ``UV_OFFLINE=1`` makes ``uv sync`` reuse the repository's
``.venv`` without the network. The working directory reaches ``scripts/``
through a link, so the README's ``scripts/...`` lines run as written while the
files they write (cookies, exports) land in the test's directory.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.processes import ROOT

MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin"


def uv_directory() -> str:
    found = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    assert Path(found).is_file(), "uv is not installed (scripts/test installs it)"
    return str(Path(found).parent)


def shell_env(home: Path, **settings: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": f"{uv_directory()}:{MINIMAL_PATH}",
        "HOME": str(home),
        "UV_OFFLINE": "1",
        **settings,
    }


def workdir(parent: Path) -> Path:
    work = parent / "work"
    work.mkdir(parents=True, exist_ok=True)
    (work / "scripts").symlink_to(ROOT / "scripts")
    return work


def run(
    script: str,
    cwd: Path,
    env: dict[str, str],
    *,
    stdin: str = "",
    timeout: float = 120,
    options: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """``bash -c script`` in its own session: no controlling terminal, so a
    prompt reads stdin, and the whole process group can be ended by the caller."""
    return subprocess.run(
        ["bash", *options, "-c", script],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,
    )
