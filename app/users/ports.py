"""What the users package needs from the packages above it, as protocols:
``app.auth`` implements them and the container wires them, so users never
imports auth."""

from __future__ import annotations

from typing import Protocol

from app.security.principal import ClientInfo


class SessionEnder(Protocol):
    async def revoke_all(self, user_id: str, reason: str, client: ClientInfo, *, actor: str) -> int:
        """End every live session of the user (deactivation); how many ended."""
        ...
