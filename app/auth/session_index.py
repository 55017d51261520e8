"""Which session and user a token belongs to, remembered in-process.

A token's session ``_id`` and user never change, so the mapping
token hash → (session ``_id``, user ``_id``) is safe to keep: it says where to
look, never whether to let the caller in. Every request still reads the
session and the user afresh (revocation, expiry, ``isActive``), but by
``_id``, so both reads join the coalesced ``$in`` queries of concurrent
requests (app/batching.py) and can run at once. Only a token this process
has not seen costs the lookup by ``token_hash``. Unknown tokens are never
remembered (a session created on another instance must work at once).
"""

from __future__ import annotations

from typing import NamedTuple

# ≈250 bytes an entry: 50,000 live sessions ≈ 12 MiB.
MAX_ENTRIES = 50_000


class SessionKeys(NamedTuple):
    session_id: str  # the session document's _id (not its public session_id)
    user_id: str


class SessionIndex:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._keys: dict[str, SessionKeys] = {}

    def get(self, token_hash: str) -> SessionKeys | None:
        return self._keys.get(token_hash)

    def remember(self, token_hash: str, keys: SessionKeys) -> None:
        if len(self._keys) >= self._max:
            # Oldest first (dicts keep insertion order); a forgotten token only
            # costs one lookup by token_hash again.
            del self._keys[next(iter(self._keys))]
        self._keys[token_hash] = keys

    def forget(self, token_hash: str) -> None:
        self._keys.pop(token_hash, None)

    def __len__(self) -> int:
        return len(self._keys)
