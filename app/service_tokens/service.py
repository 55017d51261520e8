"""Service tokens: created once (printed, stored hashed), revocable, cached briefly."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from app.clock import now_ms
from app.config import Settings
from app.errors import ValidationError
from app.field_problems import FieldProblem
from app.rows import ServiceTokenRow
from app.security.tokens import hash_token, new_token
from app.service_tokens.repository import ServiceTokensRepository

# users:write patches profile fields; changing role or permissions also needs
# users:admin (app/users/privileges.py). convex: every function of the panel's
# Convex API (app/convex_api), an admin's rights.
SCOPES = frozenset({"users:read", "users:write", "users:admin", "auth:verify", "convex"})


@dataclass(frozen=True)
class ServiceIdentity:
    name: str
    scopes: frozenset[str]


class ServiceTokens:
    def __init__(self, settings: Settings, repository: ServiceTokensRepository) -> None:
        self.repository = repository
        # Tokens from APP_SERVICE_TOKENS (development, tests): every scope.
        self._configured = {
            hash_token(token): ServiceIdentity(name, SCOPES)
            for name, token in settings.service_tokens.items()
        }
        self._ttl = settings.service_token_cache_seconds
        # token hash -> (identity or None, expiry): a revoked token works for at
        # most the cache lifetime, in exchange for no database trip per request.
        self._cache: dict[str, tuple[ServiceIdentity | None, float]] = {}

    async def identify(self, token: str) -> ServiceIdentity | None:
        token_hash = hash_token(token)
        configured = self._configured.get(token_hash)
        if configured is not None:
            return configured
        now = time.monotonic()
        cached = self._cache.get(token_hash)
        if cached is not None and cached[1] > now:
            return cached[0]
        found = await self.repository.find_active(token_hash)
        identity = ServiceIdentity(found["name"], frozenset(found["scopes"])) if found else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token_hash] = (identity, now + self._ttl)
        return identity

    async def create(self, name: str, scopes: list[str]) -> str:
        """Store a new token's hash; the raw token is returned once, never stored."""
        unknown = set(scopes) - SCOPES
        if not name.strip() or unknown or not scopes:
            raise ValidationError.field(
                "scope", FieldProblem.NOT_ONE_OF, values=", ".join(sorted(SCOPES))
            )
        token = new_token()
        await self.repository.insert(
            {
                "name": name.strip(),
                "token_hash": hash_token(token),
                "scopes": sorted(set(scopes)),
                "created_at": datetime.now(UTC),
                "is_active": True,
            }
        )
        return token

    async def revoke(self, name: str) -> int:
        self._cache.clear()
        return await self.repository.revoke(name, now_ms())

    async def list(self) -> list[ServiceTokenRow]:
        return await self.repository.list_all()
