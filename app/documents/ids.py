"""Document IDs and the system fields every document has (Convex's model).

New documents get Convex document IDs (IDv6): the panel's remaining Convex
tables check ``v.id("users")`` by decoding the ID and looking up its table
number, so an ID must carry the right number and a valid checksum.

Binary: ``VInt(table number)`` (LEB128, 1-5 bytes) + a 16-byte internal ID
(14 random bytes + the day since the epoch, 2 bytes big-endian) + a footer
(Fletcher-16 of the bytes before it, XOR the version 0, little-endian).
Text: lowercase Crockford base32 without padding; 31, 32, 34, 36 or 37
characters. Decoding is strict and ends with a re-encode that must give the
input back, as Convex's own ``decode`` does, so every ID has one spelling.

24-hex ObjectIds written by earlier versions stay valid, without a table.
Pure: no I/O (randomness and the clock only when minting).
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from typing import Final

from bson import ObjectId

from app.errors import InvalidId

ID_FIELD: Final = "_id"
CREATION_TIME: Final = "_creationTime"
SYSTEM_FIELDS = frozenset({ID_FIELD, CREATION_TIME})

MAX_TABLE_NUMBER = 2**32 - 1
DAY_MS = 86_400_000
RANDOM_BYTES = 14
INTERNAL_ID_BYTES = RANDOM_BYTES + 2
_FOOTER_BYTES = 2
_VERSION = 0
_MAX_VINT_BYTES = 5

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford: no i, l, o, u
# Base32 through Python integers (≈4x faster than the base64 module): a
# Crockford digit becomes the digit of the same value that int(…, 32) reads,
# and encoding looks up ten bits (two characters) at a time.
_TO_INT_DIGITS = str.maketrans(ALPHABET, "0123456789abcdefghijklmnopqrstuv")
_PAIRS = [first + second for first in ALPHABET for second in ALPHABET]
_CONVEX_ID = re.compile(r"[0-9a-hjkmnp-tv-z]{31,37}")
_OBJECT_ID = re.compile(r"[0-9a-f]{24}")


class NotAConvexId(ValueError):
    """The string is not a Convex document ID; the message says which rule failed."""


def fletcher16(data: bytes) -> int:
    """Fletcher-16 with modulus 256, as Convex computes its ID footer:
    c0 = Σ bytes, c1 = Σ of the running c0 (each byte counted once per
    position from it to the end), both mod 256; (c1 << 8) | c0."""
    c0 = sum(data) & 0xFF
    c1: int = sum(itertools.accumulate(data)) & 0xFF
    return (c1 << 8) | c0


def _base32(data: bytes) -> str:
    """Big-endian bits, 5 per character, the last character padded with zero bits."""
    bits = len(data) * 8
    chars = -(-bits // 5)
    value = int.from_bytes(data, "big") << (chars * 5 - bits)
    odd = chars % 2  # one more zero character, dropped after the pairs
    value <<= 5 * odd
    top = (chars + odd) * 5 - 10
    text = "".join([_PAIRS[(value >> shift) & 0x3FF] for shift in range(top, -1, -10)])
    return text[:chars]


def _vint(number: int) -> bytes:
    out = bytearray()
    while number >= 0x80:
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def _read_vint(data: bytes) -> tuple[int, int]:
    """(number, bytes read) of the VInt at the start of ``data``."""
    number = 0
    for position, byte in enumerate(data[:_MAX_VINT_BYTES]):
        number |= (byte & 0x7F) << (7 * position)
        if byte < 0x80:
            return number, position + 1
    raise NotAConvexId("the table number is too large or truncated")


def encode(table_number: int, internal_id: bytes) -> str:
    """The ID string of ``internal_id`` (16 bytes) in table ``table_number``."""
    if not 1 <= table_number <= MAX_TABLE_NUMBER:
        raise ValueError(f"table number {table_number} is outside 1..{MAX_TABLE_NUMBER}")
    if len(internal_id) != INTERNAL_ID_BYTES:
        raise ValueError(f"an internal ID has {INTERNAL_ID_BYTES} bytes, not {len(internal_id)}")
    body = _vint(table_number) + internal_id
    footer = (fletcher16(body) ^ _VERSION).to_bytes(_FOOTER_BYTES, "little")
    return _base32(body + footer)


def decode(text: str) -> tuple[int, bytes]:
    """(table number, 16-byte internal ID) of a Convex ID, or ``NotAConvexId``."""
    if not _CONVEX_ID.fullmatch(text):
        raise NotAConvexId("not 31-37 characters of lowercase Crockford base32")
    size, spare = divmod(len(text) * 5, 8)
    value = int(text.translate(_TO_INT_DIGITS), 32)
    data = (value >> spare).to_bytes(size, "big")
    table_number, used = _read_vint(data)
    if not 1 <= table_number <= MAX_TABLE_NUMBER:
        raise NotAConvexId("the table number is outside 1..2^32-1")
    if len(data) != used + INTERNAL_ID_BYTES + _FOOTER_BYTES:
        raise NotAConvexId("the length does not fit the table number")
    body, footer = data[:-_FOOTER_BYTES], data[-_FOOTER_BYTES:]
    if int.from_bytes(footer, "little") != fletcher16(body) ^ _VERSION:
        raise NotAConvexId("the checksum does not match")
    # What re-encoding would check, without encoding (a batch-get parses 100
    # IDs): encode writes the shortest VInt, the fewest characters for the
    # bytes (under 5 bits to spare) and zero padding bits.
    if spare >= 5 or value & ((1 << spare) - 1) or (used > 1 and data[used - 1] == 0):
        raise NotAConvexId("not the canonical spelling (its length or padding bits)")
    return table_number, body[used:]


def day_of(internal_id: bytes) -> int:
    """The day since the epoch a generated ID was made (its last two bytes)."""
    return int.from_bytes(internal_id[RANDOM_BYTES:], "big")


def mint(table_number: int, *, entropy: bytes | None = None, at_ms: float | None = None) -> str:
    """A new ID of table ``table_number``: 14 random bytes (or ``entropy``, for
    an ID several writers must agree on) and the day of ``at_ms`` (default now)."""
    random_part = secrets.token_bytes(RANDOM_BYTES) if entropy is None else entropy
    if len(random_part) != RANDOM_BYTES:
        raise ValueError(f"entropy has {RANDOM_BYTES} bytes, not {len(random_part)}")
    moment = time.time() * 1000 if at_ms is None else at_ms
    return encode(table_number, random_part + int(moment // DAY_MS).to_bytes(2, "big"))


def new_object_id() -> str:
    """An ObjectId, for internal collections whose IDs never leave the service."""
    return str(ObjectId())


def table_of(value: object) -> int | None:
    """The table number of a valid ID (``None`` for a legacy ObjectId);
    ``NotAConvexId`` for anything else."""
    if not isinstance(value, str):
        raise NotAConvexId("not a string")
    if _OBJECT_ID.fullmatch(value):
        return None
    return decode(value)[0]


def is_valid_id(value: object) -> bool:
    """A Convex ID of any table, or a legacy ObjectId."""
    try:
        table_of(value)
    except NotAConvexId:
        return False
    return True


def parse_id(value: object, table_number: int | None = None) -> str:
    """Return the ID, or raise 400 INVALID_ID: anything but a Convex ID (of
    ``table_number`` when given) or a legacy ObjectId (no table to check)."""
    try:
        table = table_of(value)
    except NotAConvexId:
        valid = False
    else:
        valid = table is None or table_number is None or table == table_number
    if not valid:
        raise InvalidId(details={"id": value if isinstance(value, str) else None})
    return str(value)
