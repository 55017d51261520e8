"""A second implementation of Convex's document ID format (CONVEX.md §2.8),
written from the spec for the tests alone: it shares no code with
``app/documents/ids.py`` and works bit by bit where that one works on integers,
so the two only agree if both follow the spec."""

from __future__ import annotations

import random

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
VALID_LENGTHS = (31, 32, 34, 36, 37)
DAY_MS = 24 * 60 * 60 * 1000


def base32_encode(data: bytes) -> str:
    bits = "".join(f"{byte:08b}" for byte in data)
    bits += "0" * (-len(bits) % 5)
    return "".join(ALPHABET[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


def base32_decode(text: str) -> bytes:
    """The whole bytes the characters spell (the leftover bits are dropped)."""
    bits = "".join(f"{ALPHABET.index(char):05b}" for char in text)
    return bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits) - 7, 8))


def fletcher16(data: bytes) -> int:
    c0 = c1 = 0
    for byte in data:
        c0 = (c0 + byte) % 256
        c1 = (c1 + c0) % 256
    return c1 * 256 + c0


def vint(number: int) -> bytes:
    out = []
    while True:
        low, number = number % 128, number // 128
        if number == 0:
            out.append(low)
            return bytes(out)
        out.append(low + 128)


def encode(table_number: int, internal_id: bytes) -> str:
    assert len(internal_id) == 16 and 0 < table_number < 2**32
    body = vint(table_number) + internal_id
    footer = fletcher16(body) ^ 0  # version 0
    return base32_encode(body + bytes([footer % 256, footer // 256]))


def decode(text: str) -> tuple[int, bytes] | None:
    """(table number, internal ID), or None where Convex refuses the string."""
    if not 31 <= len(text) <= 37 or any(char not in ALPHABET for char in text):
        return None
    data = base32_decode(text)
    table_number, position = 0, 0
    while True:
        if position == 5 or position == len(data):
            return None
        byte = data[position]
        table_number += (byte % 128) << (7 * position)
        position += 1
        if byte < 128:
            break
    if not 0 < table_number < 2**32 or len(data) != position + 18:
        return None
    internal_id, footer = data[position : position + 16], data[position + 16 :]
    if footer[0] + footer[1] * 256 != fletcher16(data[: position + 16]) ^ 0:
        return None
    if encode(table_number, internal_id) != text:
        return None
    return table_number, internal_id


def day(internal_id: bytes) -> int:
    """Days since the epoch: the internal ID's last two bytes, big-endian."""
    return internal_id[14] * 256 + internal_id[15]


def table_number(text: str) -> int | None:
    decoded = decode(text)
    return decoded[0] if decoded else None


def fixture_id(table_number: int, creation_time_ms: float, rng: random.Random) -> str:
    """A Convex ID as the deployment would have minted it (for fixtures):
    reproducible from ``rng``, its day from ``creation_time_ms``."""
    day_bytes = int(creation_time_ms // DAY_MS).to_bytes(2, "big")
    return encode(table_number, rng.randbytes(14) + day_bytes)
