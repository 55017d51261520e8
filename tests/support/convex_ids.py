"""Convex document IDs (IDv6, CONVEX.md §2.8) for fixtures: the table number
as a VInt, 14 random bytes, the day (big-endian), a Fletcher-16 footer, in
lowercase Crockford base32."""

from __future__ import annotations

import random

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
DAY_MS = 86_400_000


def _vint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _fletcher16(data: bytes) -> int:
    low = high = 0
    for byte in data:
        low = (low + byte) % 256
        high = (high + low) % 256
    return (high << 8) | low


def _base32(data: bytes) -> str:
    bits = int.from_bytes(data, "big")
    length = (len(data) * 8 + 4) // 5
    bits <<= length * 5 - len(data) * 8  # zero padding bits at the end
    return "".join(ALPHABET[(bits >> (5 * (length - 1 - i))) & 31] for i in range(length))


def convex_id(table_number: int, creation_time_ms: float, rng: random.Random) -> str:
    body = (
        _vint(table_number) + rng.randbytes(14) + int(creation_time_ms // DAY_MS).to_bytes(2, "big")
    )
    return _base32(body + _fletcher16(body).to_bytes(2, "little"))


def table_number_of(document_id: str) -> int:
    """The table number an ID carries (for checks in tests)."""
    bits = 0
    for char in document_id:
        bits = (bits << 5) | ALPHABET.index(char)
        size = len(document_id) * 5 // 8
    data = (bits >> (len(document_id) * 5 - size * 8)).to_bytes(size, "big")
    number = shift = 0
    for byte in data:
        number |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return number
    raise ValueError(document_id)
