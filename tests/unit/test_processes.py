"""The process helpers the suite and the bench share (tests/support/processes.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.engine import die_with_parent
from tests.support.processes import (
    cpu_seconds,
    descendants,
    free_port,
    rss_bytes,
    start_service,
    stop_process,
    wait_ready,
)


def test_descendants_are_every_process_below_but_not_the_process_itself() -> None:
    # A shell that starts a grandchild of this process and waits for it.
    command = f"'{sys.executable}' -c 'import time; time.sleep(30)' & wait"
    shell = subprocess.Popen(["sh", "-c", command])
    try:
        deadline = time.monotonic() + 10
        while not (below := descendants(shell.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(below) == 1 and shell.pid not in below
        mine = descendants(os.getpid())
        assert shell.pid in mine and below[0] in mine  # grandchildren too
    finally:
        for pid in descendants(shell.pid):
            os.kill(pid, signal.SIGKILL)
        stop_process(shell, timeout=5)


def test_cpu_and_memory_of_a_process_tree() -> None:
    assert cpu_seconds([os.getpid()]) > 0
    assert rss_bytes([os.getpid()]) > 10 * 1024 * 1024
    assert rss_bytes([2**22 + 7]) == 0  # a process that is not there counts nothing


def test_free_port_can_be_bound() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))


def test_wait_ready_reports_an_exit_with_the_end_of_the_log(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    process = start_service(
        dict(os.environ),
        log_file=log,
        command=["sh", "-c", "echo port taken, giving up; exit 3"],
        preexec_fn=die_with_parent,
    )
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"\(exited\)(.|\n)*port taken, giving up"):
        wait_ready(free_port(), process, timeout=60, log_file=log)
    assert time.monotonic() - started < 30  # not the whole timeout
    assert process.returncode == 3


def test_stop_process_kills_what_ignores_sigterm() -> None:
    ignoring = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print(flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
    )
    assert ignoring.stdout is not None and ignoring.stdout.readline() == b"\n"  # handler set
    stop_process(ignoring, timeout=0.5)
    assert ignoring.returncode == -9
    stop_process(ignoring)  # already gone: nothing to do
    ignoring.stdout.close()
