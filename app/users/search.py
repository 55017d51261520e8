"""Name search (``by_search``): Turkish-aware folding, tokens, prefixes, ranking.

Every write that sets ``name`` stores ``search_tokens(name)`` in a hidden
array; a query needs all of ``SearchQuery.index_terms()`` in it (``$all`` on
the multikey index), and the service ranks the candidates with ``rank``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Longer tokens are stored with prefixes up to this length only: it bounds the
# array per name, and nobody types 20 letters of one word to find it.
MAX_PREFIX = 20
MAX_TERMS = 8  # further query terms are ignored: they add cost, not precision
MAX_TERM_LENGTH = 64

# Turkish letters that must fold the same whatever the case rules (İ/I/ı/i all
# mean "i" to a searcher), and letters NFKD does not take apart.
_TURKISH = str.maketrans({"ı": "i", "İ": "i", "I": "i"})
_UNDECOMPOSABLE = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "ð": "d",
    }
)
_SPLIT = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower case without diacritics: "Işık" → "isik", "Ayşe" → "ayse"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TURKISH).translate(_UNDECOMPOSABLE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().translate(_TURKISH)


def tokenize(text: str) -> list[str]:
    """Folded words, split on whitespace and punctuation, first occurrence kept."""
    tokens: list[str] = []
    for token in _SPLIT.split(fold(text)):
        if token and token not in tokens:
            tokens.append(token)
    return tokens


def _prefixes(token: str) -> list[str]:
    return [token[:length] for length in range(1, min(len(token), MAX_PREFIX) + 1)]


def search_tokens(name: str) -> list[str]:
    """The hidden array stored with a name.

    ``w:<word>`` and ``p:<prefix>`` serve one-term queries. ``c:<word> <prefix>``
    (a whole word, then a prefix of any word of the name, itself included)
    serves queries of several terms with ONE index lookup whose matches are
    exactly the results: with ``w:``/``p:`` alone the database would read every
    name containing the first word and filter, which grows with the collection.
    ``c:A B`` is present exactly when ``w:A`` and ``p:B`` both are, so the pairs
    change the cost of a query, never its results.
    """
    tokens = tokenize(name)
    entries: set[str] = set()
    for token in tokens:
        entries.add(f"w:{token}")
        entries.update(f"p:{prefix}" for prefix in _prefixes(token))
        for other in tokens:
            entries.update(f"c:{token} {prefix}" for prefix in _prefixes(other))
    return sorted(entries)


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...]  # matched as whole words
    prefix: str  # the final term, matched as a prefix

    @property
    def terms(self) -> tuple[str, ...]:
        return (*self.words, self.prefix)

    def index_terms(self) -> list[str]:
        """Entries that must all be in a name's array: the meaning is "every
        earlier term as a whole word, the last as a prefix". The first entry is
        the most selective (the index serves it); the rest are checked on its
        matches."""
        prefix = self.prefix[:MAX_PREFIX]
        if not self.words:
            return [f"p:{prefix}"]
        *others, last = self.words
        return [f"c:{last} {prefix}", *(f"w:{word}" for word in others)]


def parse_query(text: str) -> SearchQuery | None:
    terms = [term[:MAX_TERM_LENGTH] for term in tokenize(text)][:MAX_TERMS]
    if not terms:
        return None
    return SearchQuery(words=tuple(terms[:-1]), prefix=terms[-1])


def _term_score(term: str, tokens: list[str], as_prefix: bool) -> float:
    # The best match anywhere in the name, so "ali" in "Alihan Ali" scores as
    # a whole word; earlier words count slightly more.
    best = 0.0
    for position, token in enumerate(tokens):
        if token == term:
            best = max(best, 10.0 - min(position, 5))
        elif as_prefix and token.startswith(term):
            best = max(best, 5.0 - min(position, 4))
    return best


@lru_cache(maxsize=16_384)
def _name_tokens(name: str) -> list[str]:
    # Folding dominates ranking; an operator typing a query ranks the same
    # candidates again at every keystroke. Callers must not mutate the list.
    return tokenize(name)


def relevance(query: SearchQuery, name: str) -> float:
    """Higher is better: the exact name (+100), then names that start with the
    query (+50), then per term a whole-word match (10 - position, at least 5)
    over a prefix match of the last term (5 - position, at least 1), minus 0.1
    per word of the name (at most 1) so shorter names win otherwise equal."""
    tokens = _name_tokens(name)
    if not tokens:
        return 0.0
    words, count = query.words, len(query.words)
    score = 0.0
    if tuple(tokens) == query.terms:
        score += 100.0
    if (
        tuple(tokens[:count]) == words
        and len(tokens) > count
        and tokens[count].startswith(query.prefix)
    ):
        score += 50.0
    score += sum(_term_score(word, tokens, as_prefix=False) for word in words)
    score += _term_score(query.prefix, tokens, as_prefix=True)
    return score - min(len(tokens), 10) * 0.1


RankKey = tuple[float, float, str]


def ranking_key(query: SearchQuery, user: Mapping[str, Any], key: str = "name") -> RankKey:
    """(relevance, ``_creationTime``, ``_id``), compared descending: relevance
    order, ties newest first, then by ``_id``: the service pages with this
    tuple as the cursor, which needs a total order."""
    return (
        relevance(query, str(user.get(key, ""))),
        float(user.get("_creationTime", 0.0)),
        str(user.get("_id", "")),
    )


def rank[M: Mapping[str, Any]](
    query: SearchQuery, candidates: list[M], key: str = "name"
) -> list[M]:
    """Candidates in ranking order (``sorted`` is stable: documents without
    ``_id`` keep input order)."""
    return sorted(candidates, key=lambda user: ranking_key(query, user, key), reverse=True)
