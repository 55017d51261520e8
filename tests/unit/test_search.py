"""Name search without a database: folding, tokens, query terms, ranking."""

from __future__ import annotations

import pytest

from app.users.search import (
    MAX_PREFIX,
    fold,
    parse_query,
    rank,
    relevance,
    search_tokens,
    tokenize,
)
from tests.search_fixture import CASES, NAMES


def matches(query: str, name: str) -> bool:
    """What the database does: every index term present in the stored array."""
    parsed = parse_query(query)
    assert parsed is not None
    return set(parsed.index_terms()) <= set(search_tokens(name))


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Işık", "isik"),
        ("ISIK", "isik"),
        ("İstanbul", "istanbul"),
        ("Istanbul", "istanbul"),
        ("istanbul", "istanbul"),
        ("ıstanbul", "istanbul"),
        ("IŞIK", "isik"),
        ("işık", "isik"),
        ("Ayşe", "ayse"),
        ("Sevgül", "sevgul"),
        ("Özgür", "ozgur"),
        ("Çağrı", "cagri"),
        ("François", "francois"),
        ("Søren", "soren"),
        ("Wałęsa", "walesa"),
        ("Straße", "strasse"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_tokenize_splits_on_whitespace_and_punctuation() -> None:
    assert tokenize("  Anne-Marie O'Connor, Jr. ") == ["anne", "marie", "o", "connor", "jr"]
    assert tokenize("ali_veli ali") == ["ali", "veli"]
    assert tokenize("!!!") == []


def test_search_tokens_hold_words_prefixes_and_pairs() -> None:
    tokens = search_tokens("Ayşe Gül")
    assert {
        "w:ayse",
        "w:gul",
        "p:a",
        "p:ay",
        "p:ays",
        "p:ayse",
        "p:g",
        "p:gu",
        "p:gul",
        "c:ayse a",
        "c:ayse ay",
        "c:ayse ays",
        "c:ayse ayse",
        "c:ayse g",
        "c:ayse gu",
        "c:ayse gul",
        "c:gul a",
        "c:gul ay",
        "c:gul ays",
        "c:gul ayse",
        "c:gul g",
        "c:gul gu",
        "c:gul gul",
    } == set(tokens)
    assert tokens == sorted(tokens)


def test_long_tokens_are_truncated_for_prefixes() -> None:
    word = "a" * 30
    tokens = search_tokens(word)
    assert f"w:{word}" in tokens and f"p:{'a' * MAX_PREFIX}" in tokens
    assert f"p:{'a' * (MAX_PREFIX + 1)}" not in tokens
    assert matches(word, word) and matches(word[:25], word)
    # A whole-word term is never truncated: only the exact long word matches it.
    assert matches(f"{word} a", f"{word} Ali") and not matches(f"{word[:25]} a", f"{word} Ali")


def test_query_terms() -> None:
    query = parse_query("Ayşe  ÇEL")
    assert query is not None
    assert query.index_terms() == ["c:ayse cel"]
    three = parse_query("mehmet ali ka")
    assert three is not None and three.index_terms() == ["c:ali ka", "w:mehmet"]
    assert parse_query(" -- ") is None
    many = parse_query(" ".join(f"t{n}" for n in range(20)))
    assert many is not None and many.terms == tuple(f"t{n}" for n in range(8))
    long = parse_query("x" * 100)
    assert long is not None and long.prefix == "x" * 64
    assert long.index_terms() == ["p:" + "x" * MAX_PREFIX]


def test_prefix_only_for_the_last_term() -> None:
    assert matches("ayse cel", "Ayşe Gül Çelik")
    assert not matches("ays celik", "Ayşe Gül Çelik")
    assert matches("celik ayse", "Ayşe Gül Çelik")
    assert matches("ISMAIL oz", "İsmail Öztürk") and matches("ilker", "İlker Koç")


def test_last_prefix_may_fall_in_the_same_word() -> None:
    # The spec: earlier terms whole words, the last a prefix of ANY word.
    assert matches("kaya ka", "Ayşe Kaya")
    assert matches("ali al", "Ali Veli")
    assert not matches("kaya kb", "Ayşe Kaya")


def spec_matches(query: str, name: str) -> bool:
    """The meaning of a query spelt out with w:/p: entries only."""
    parsed = parse_query(query)
    assert parsed is not None
    stored = set(search_tokens(name))
    return {f"w:{word}" for word in parsed.words} | {f"p:{parsed.prefix[:MAX_PREFIX]}"} <= stored


def test_pair_entries_change_cost_not_results() -> None:
    queries = ["ay", "ayse ay", "ayse gul c", "kaya ka", "mehmet ali kaya", "o con", "celik a"]
    for query in queries:
        for name in NAMES:
            assert matches(query, name) == spec_matches(query, name), (query, name)


def test_relevance_prefers_exact_then_leading_then_words() -> None:
    query = parse_query("ayse")
    assert query is not None
    exact = relevance(query, "Ayşe")
    leading = relevance(query, "Ayşe Kaya")
    prefix = relevance(query, "Ayşegül Demir")
    later = relevance(query, "Fatma Ayşe Kaya")
    assert exact > leading > prefix
    assert leading > later


def test_relevance_takes_the_best_match_of_a_term() -> None:
    query = parse_query("ali")
    assert query is not None
    # "ali" as a whole word beats "ali" as a prefix of the word before it.
    assert relevance(query, "Alihan Ali") > relevance(query, "Alihan Veli")
    words = parse_query("mehmet ka")
    assert words is not None
    assert relevance(words, "Mehmet Kaya") > relevance(words, "Kaan Mehmet")
    assert relevance(words, "Mehmet Kaya") == relevance(words, "Mehmet Kaya")


def test_rank_breaks_ties_newest_first() -> None:
    query = parse_query("kaya")
    assert query is not None
    users = [
        {"_id": "a", "name": "Ali Kaya", "_creationTime": 1.0},
        {"_id": "b", "name": "Veli Kaya", "_creationTime": 2.0},
        {"_id": "c", "name": "Kaya", "_creationTime": 0.5},
    ]
    assert [u["_id"] for u in rank(query, users)] == ["c", "b", "a"]
    titled = [{"title": user["name"], "_creationTime": user["_creationTime"]} for user in users]
    assert [u["title"] for u in rank(query, titled, key="title")] == [
        "Kaya",
        "Veli Kaya",
        "Ali Kaya",
    ]


def test_fixture_is_large_and_unique() -> None:
    assert len(NAMES) >= 200 and len(set(NAMES)) == len(NAMES)
    assert len(CASES) >= 25 and len({query for query, _ in CASES}) == len(CASES)
    for _, expected in CASES:
        assert set(expected) <= set(NAMES)


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[case[0] for case in CASES])
def test_hand_written_cases_hold(query: str, expected: list[str]) -> None:
    found = {name for name in NAMES if matches(query, name)}
    assert found == set(expected)
