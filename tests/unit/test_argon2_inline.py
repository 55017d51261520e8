"""argon2id in the calling thread: the same hashes as argon2-cffi, no lane threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import hash_secret

from app.security import argon2_inline
from app.security.argon2_inline import InlineArgon2id

# Small memory keeps the tests fast; the lanes (p=4) are what matters.
PARAMS = {"time_cost": 3, "memory_cost": 8192, "parallelism": 4}
CFFI = PasswordHasher(**PARAMS, type=Type.ID)
INLINE = InlineArgon2id(3, 8192, 4)


def _most_threads_during(work: Callable[[], object]) -> int:
    """The most threads this process had while ``work`` ran in a thread of its own."""
    done = threading.Event()

    def run() -> None:
        try:
            work()
        finally:
            done.set()

    before = len(os.listdir("/proc/self/task"))
    worker = threading.Thread(target=run)
    worker.start()
    most = before
    while not done.is_set():
        most = max(most, len(os.listdir("/proc/self/task")))
    worker.join()
    return most - before


def test_hashes_are_argon2_cffi_hashes_both_ways() -> None:
    mine = INLINE.hash("correct horse")
    assert mine.startswith("$argon2id$v=19$m=8192,t=3,p=4$")
    assert CFFI.verify(mine, "correct horse")
    assert INLINE.verify(CFFI.hash("battery staple"), "battery staple")
    with pytest.raises(VerifyMismatchError):
        INLINE.verify(CFFI.hash("battery staple"), "battery stapler")
    with pytest.raises(VerifyMismatchError):
        CFFI.verify(mine, "correct horse!")


def test_same_salt_same_hash_as_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    salt = b"sixteen byte slt"
    monkeypatch.setattr(argon2_inline.os, "urandom", lambda n: salt[:n])
    assert INLINE.hash("pw") == hash_secret(b"pw", salt, 3, 8192, 4, 32, Type.ID).decode()


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="Linux /proc only")
def test_the_lanes_run_in_the_calling_thread() -> None:
    stored = CFFI.hash("pw")
    # argon2-cffi starts a thread per lane and slice: the reason for the module.
    assert _most_threads_during(lambda: CFFI.verify(stored, "pw")) >= 2
    assert _most_threads_during(lambda: INLINE.verify(stored, "pw")) == 1
    assert _most_threads_during(lambda: INLINE.hash("pw")) == 1


def test_other_hashes_go_to_argon2_cffi() -> None:
    argon2i = PasswordHasher(**PARAMS, type=Type.I).hash("pw")
    assert INLINE.verify(argon2i, "pw")
    stored = CFFI.hash("pw")
    padded = stored + "="  # not canonical base64: the library decides
    with pytest.raises((VerificationError, InvalidHashError)):
        INLINE.verify(padded, "pw")
    with pytest.raises(InvalidHashError):
        INLINE.verify("not a hash", "pw")
    tiny_salt = "$argon2id$v=19$m=8192,t=3,p=4$c2FsdA$" + stored.rsplit("$", 1)[1]
    with pytest.raises(VerificationError):
        INLINE.verify(tiny_salt, "pw")  # salt under 8 bytes: refused by the library


def test_needs_rehash_follows_the_parameters() -> None:
    assert not INLINE.check_needs_rehash(INLINE.hash("pw"))
    assert InlineArgon2id(3, 16384, 4).check_needs_rehash(INLINE.hash("pw"))
