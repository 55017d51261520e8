"""The IDs the service mints and accepts are Convex document IDs (CONVEX.md
§2.8), checked against the independent implementation in tests/support."""

from __future__ import annotations

import random
import time

import pytest
from bson import ObjectId

from app.config import DEFAULT_CONVEX_TABLE_NUMBERS, Settings
from app.documents import NotAConvexId, TableNumbers, ids, is_valid_id, parse_id
from app.documents.ids import decode, encode, mint
from app.errors import InvalidId
from tests.support import convex_spec as spec

# Real IDs from public repositories, with their tables and creation days.
REAL_IDS = [
    ("j570c3a2vfz8js99c3t12b68hh863egz", 10001, 20577),
    ("jd71dy1pftegp7scv1wxkzys5n7j2d97", 10003, 20257),
    ("k171n27h1hqgcn1fy1944x9yw57n2de2", 10008, 20305),
]
# Table numbers and the length of their IDs (CONVEX.md §2.8, "Verified").
LENGTHS = {
    1: 31,
    127: 31,
    128: 32,
    10001: 32,
    16383: 32,
    16384: 34,
    2**21: 36,
    2**28: 37,
    2**32 - 1: 37,
}
MADE_UP = "3k7ty84apk2zy00ay4st1n5p9kh7tf8"  # from Convex's docs; a wrong checksum


def today() -> int:
    return int(time.time() * 1000 // spec.DAY_MS)


@pytest.mark.parametrize(("convex_id", "table", "day"), REAL_IDS)
def test_real_convex_ids_are_accepted(convex_id: str, table: int, day: int) -> None:
    decoded = spec.decode(convex_id)
    assert decoded is not None and decoded[0] == table and spec.day(decoded[1]) == day
    assert decode(convex_id) == decoded
    assert parse_id(convex_id, table) == convex_id


@pytest.mark.parametrize(("table", "length"), LENGTHS.items())
def test_minted_ids_decode_with_the_spec(table: int, length: int) -> None:
    before = today()
    minted = {mint(table) for _ in range(50)}
    after = today()
    assert len(minted) == 50  # 14 random bytes each
    for convex_id in minted:
        decoded = spec.decode(convex_id)  # checksum and canonical form included
        assert decoded is not None, convex_id
        number, internal = decoded
        assert number == table and len(convex_id) == length
        assert before <= spec.day(internal) <= after
        assert spec.encode(number, internal) == convex_id
        assert decode(convex_id) == decoded


@pytest.mark.parametrize("table", LENGTHS)
def test_encode_agrees_with_the_spec(table: int) -> None:
    internal = random.randbytes(16)
    assert encode(table, internal) == spec.encode(table, internal)


def test_convex_stability_vector() -> None:
    """Convex's own test: table 1017, internal bytes 251^(i+1) mod 256."""
    internal = bytes(pow(251, i + 1, 256) for i in range(16))
    assert encode(1017, internal) == "z43zp6c3e75gkmz1kfwj6mbbx5sw281h"


def test_the_made_up_id_fails_on_its_checksum() -> None:
    assert spec.decode(MADE_UP) is None
    with pytest.raises(NotAConvexId, match="checksum"):
        decode(MADE_UP)
    assert not is_valid_id(MADE_UP)


@pytest.mark.parametrize("table", [1, 16384])  # 3 and 2 padding bits
def test_set_padding_bits_are_refused(table: int) -> None:
    convex_id = mint(table)
    last = spec.ALPHABET.index(convex_id[-1])
    assert last % 2 == 0  # padding bits are zero in the canonical form
    altered = convex_id[:-1] + spec.ALPHABET[last + 1]
    # The same bytes, spelled differently: only the canonical check refuses it.
    assert spec.base32_decode(altered) == spec.base32_decode(convex_id)
    assert spec.decode(altered) is None
    with pytest.raises(NotAConvexId, match="canonical"):
        decode(altered)


@pytest.mark.parametrize("table", [1, 127])
def test_a_longer_table_number_is_refused(table: int) -> None:
    # The same number in two VInt bytes (a zero continuation) with a checksum
    # that matches: only the canonical check refuses it.
    internal = mint(table)
    body = bytes([table | 0x80, 0]) + decode(internal)[1]
    footer = (ids.fletcher16(body) ^ ids._VERSION).to_bytes(2, "little")
    longer = ids._base32(body + footer)
    assert spec.decode(longer) is None
    with pytest.raises(NotAConvexId, match="canonical"):
        decode(longer)


def test_lengths_33_and_35_are_refused() -> None:
    for convex_id in (mint(10001) + "0", mint(16384)[:-1] + "0" + "0"):
        assert len(convex_id) in (33, 35)
        assert spec.decode(convex_id) is None
        assert not is_valid_id(convex_id)
    for convex_id in (mint(16384)[:-1], mint(2**21)[:-1]):
        assert len(convex_id) in (33, 35) and not is_valid_id(convex_id)


@pytest.mark.parametrize(
    "value",
    [
        REAL_IDS[0][0].upper(),
        REAL_IDS[0][0][:-1] + "Z",
        REAL_IDS[0][0][:-1] + "u",
        "j" * 30,
        "k" * 38,
        "k" * 37,
        "jd7f3k2m9q8r4t6v1w0x5y3z2a1b4c6",  # shaped like one, no valid checksum
        "0" * 31,  # table number 0
    ],
)
def test_malformed_ids_are_refused(value: str) -> None:
    assert spec.decode(value) is None
    assert not is_valid_id(value)
    with pytest.raises(InvalidId):
        parse_id(value)


def test_random_strings_and_mutations_agree_with_the_spec() -> None:
    """Whatever the spec accepts the service accepts, and nothing else."""
    rng = random.Random(20577)
    samples = ["".join(rng.choices(spec.ALPHABET, k=rng.randint(31, 37))) for _ in range(2000)]
    for convex_id in [mint(table) for table in LENGTHS]:
        for position in range(len(convex_id)):
            for char in rng.sample(spec.ALPHABET, 4):
                samples.append(convex_id[:position] + char + convex_id[position + 1 :])
    accepted = 0
    for sample in samples:
        expected = spec.decode(sample)
        try:
            assert decode(sample) == expected
            accepted += 1
        except NotAConvexId:
            assert expected is None, sample
    assert accepted >= len(LENGTHS)  # at least the unmutated IDs


def test_the_table_is_checked() -> None:
    numbers = TableNumbers()
    session_id = numbers.mint("user_sessions")
    user_id = numbers.mint("users")
    assert spec.table_number(user_id) == DEFAULT_CONVEX_TABLE_NUMBERS["users"]
    assert numbers.parse("users", user_id) == user_id
    with pytest.raises(InvalidId):
        numbers.parse("users", session_id)
    assert parse_id(session_id) == session_id  # any table when none is asked for
    legacy = str(ObjectId())  # earlier versions' IDs: no table to check
    assert numbers.parse("users", legacy) == legacy


def test_derived_ids_are_the_same_for_every_writer() -> None:
    numbers = TableNumbers()
    entropy = bytes(range(14))
    first = numbers.mint("security_events", entropy=entropy, at_ms=1_800_000_000_000)
    assert first == numbers.mint("security_events", entropy=entropy, at_ms=1_800_000_000_000)
    decoded = spec.decode(first)
    assert decoded is not None and decoded[1][:14] == entropy
    assert spec.day(decoded[1]) == 1_800_000_000_000 // spec.DAY_MS


def test_table_numbers_setting() -> None:
    assert Settings().convex_table_numbers == DEFAULT_CONVEX_TABLE_NUMBERS
    assert all(number >= 10001 for number in DEFAULT_CONVEX_TABLE_NUMBERS.values())
    pairs = Settings(convex_table_numbers="users:20001, audit_logs:20004")  # type: ignore[arg-type]
    assert pairs.convex_table_numbers == {
        **DEFAULT_CONVEX_TABLE_NUMBERS,
        "users": 20001,
        "audit_logs": 20004,
    }
    as_json = Settings(convex_table_numbers='{"users": 30001}')  # type: ignore[arg-type]
    assert as_json.convex_table_numbers["users"] == 30001
    for wrong in ("tasks:10009", "users:0", "users:4294967296", "users:10002", "users"):
        with pytest.raises(ValueError):
            Settings(convex_table_numbers=wrong)  # type: ignore[arg-type]
