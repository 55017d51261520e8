"""The data directory lock and the record of the running service."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from app.instance import (
    DataDirInUse,
    DataDirLock,
    RunningService,
    close_inherited_locks,
    read_running,
)

SERVICE = RunningService(
    pid=os.getpid(),
    engine_port=27018,
    engine_url="mongodb://127.0.0.1:27018/",
    http_host="127.0.0.1",
    http_port=8000,
)


def test_lock_is_exclusive_and_names_the_holder(tmp_path: Path) -> None:
    first = DataDirLock(tmp_path / "data")
    first.acquire()
    try:
        with pytest.raises(DataDirInUse) as refused:
            DataDirLock(tmp_path / "data").acquire(wait_seconds=0.1)
        assert refused.value.pid == os.getpid()
        assert f"in use by the service with PID {os.getpid()}" in str(refused.value)
    finally:
        first.release()
    second = DataDirLock(tmp_path / "data")
    second.acquire()  # free again once released
    second.release()


def test_read_running_only_while_the_lock_is_held(tmp_path: Path) -> None:
    assert read_running(tmp_path) is None  # no lock file
    lock = DataDirLock(tmp_path)
    lock.acquire()
    try:
        assert read_running(tmp_path) is None  # held, engine not recorded yet
        lock.record(SERVICE)
        assert read_running(tmp_path) == SERVICE
    finally:
        lock.release()
    assert read_running(tmp_path) is None
    (tmp_path / "service.lock").write_text('{"pid": 1, "engine_port": 1}')
    assert read_running(tmp_path) is None  # a file nobody holds is stale


def test_a_forked_child_dropping_its_copy_keeps_the_parents_lock(tmp_path: Path) -> None:
    lock = DataDirLock(tmp_path)
    lock.acquire()
    lock.record(SERVICE)
    try:
        # The suite's threads cannot deadlock this child: it only closes a
        # descriptor and exits, as the HTTP server's forked worker does first.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            child = os.fork()
        if child == 0:  # pragma: no cover - the child
            close_inherited_locks()
            os._exit(0)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert read_running(tmp_path) == SERVICE
    finally:
        lock.release()
