"""argon2id computed wholly in the calling thread.

argon2-cffi's ``hash`` and ``verify`` set the C library's ``threads`` to the
hash's parallelism, and the library then starts one thread per lane for each
of the t x 4 slices and waits for all four at the end of every slice (48
threads and 12 joins per hash at t=3, p=4). A hash thread of the pool thus
spread over every core, so "half the cores" for hashing was not true, and at
a lower priority any other runnable work stalled a lane and with it the whole
slice: 8 logins beside 200 ``me``/s reached half their rate alone.

Here the same lanes are computed one after the other in the calling thread
(``threads=1``; the lanes, and so the hash, are unchanged): one hash uses one
core, with 15-20% less CPU (no thread starts), and ``hash_concurrency``
threads use that many cores. Encoded hashes are the PHC strings argon2-cffi
writes and reads; anything but a canonical ``$argon2id$v=19$`` hash is left to
argon2-cffi (tests/unit/test_argon2_inline.py checks both ways).
"""

from __future__ import annotations

import base64
import hmac
import os
import re
from typing import Any

from _argon2_cffi_bindings import ffi, lib
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION, Type, core, error_to_str

SALT_BYTES = 16
HASH_BYTES = 32
_ENCODED = re.compile(
    r"\$argon2id\$v=19\$m=([1-9]\d{0,9}),t=([1-9]\d{0,9}),p=([1-9]\d{0,9})"
    r"\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)"
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes | None:
    """The bytes of unpadded base64, or None unless ``text`` is their canonical form."""
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except ValueError:
        return None
    return data if _b64(data) == text else None


def _raw(
    password: bytes, salt: bytes, time_cost: int, memory_kib: int, lanes: int, length: int
) -> bytes:
    out = ffi.new("uint8_t[]", length)
    pwd = ffi.new("uint8_t[]", password)
    salt_buffer = ffi.new("uint8_t[]", salt)
    context: Any = ffi.new(
        "argon2_context *",
        {
            "out": out,
            "outlen": length,
            "pwd": pwd,
            "pwdlen": len(password),
            "salt": salt_buffer,
            "saltlen": len(salt),
            "secret": ffi.NULL,
            "secretlen": 0,
            "ad": ffi.NULL,
            "adlen": 0,
            "t_cost": time_cost,
            "m_cost": memory_kib,
            "lanes": lanes,
            "threads": 1,
            "version": ARGON2_VERSION,
            "allocate_cbk": ffi.NULL,
            "free_cbk": ffi.NULL,
            "flags": lib.ARGON2_DEFAULT_FLAGS,
        },
    )
    code = core(context, Type.ID.value)
    if code != lib.ARGON2_OK:
        raise VerificationError(error_to_str(code))
    return bytes(ffi.buffer(out, length))


class InlineArgon2id:
    """``hash``, ``verify`` and ``check_needs_rehash`` of an argon2id
    ``PasswordHasher``, computed in the calling thread."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self.time_cost, self.memory_kib, self.parallelism = time_cost, memory_kib, parallelism
        # Parameter checks, non-canonical hashes and check_needs_rehash.
        self._fallback = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=HASH_BYTES,
            salt_len=SALT_BYTES,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        salt = os.urandom(SALT_BYTES)
        digest = _raw(
            password.encode(), salt, self.time_cost, self.memory_kib, self.parallelism, HASH_BYTES
        )
        return (
            f"$argon2id$v=19$m={self.memory_kib},t={self.time_cost},p={self.parallelism}"
            f"${_b64(salt)}${_b64(digest)}"
        )

    def verify(self, encoded: str, password: str) -> bool:
        """True, or raises ``VerifyMismatchError`` (a ``VerificationError``) or
        ``InvalidHashError`` as argon2-cffi does."""
        match = _ENCODED.fullmatch(encoded)
        salt = _unb64(match[4]) if match else None
        expected = _unb64(match[5]) if match else None
        if match is None or salt is None or expected is None:
            return self._fallback.verify(encoded, password)
        memory_kib, time_cost, lanes = (int(match[i]) for i in (1, 2, 3))
        # Parameters the library refuses raise VerificationError, as in argon2-cffi.
        digest = _raw(password.encode(), salt, time_cost, memory_kib, lanes, len(expected))
        if not hmac.compare_digest(digest, expected):
            raise VerifyMismatchError("The password does not match the supplied hash")
        return True

    def check_needs_rehash(self, encoded: str) -> bool:
        return self._fallback.check_needs_rehash(encoded)
