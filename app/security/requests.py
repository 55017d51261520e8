"""What a request says about its caller: its address (``ClientResolver``), its
token (``credentials``), and the route option that skips authentication."""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from app.security.principal import Caller, ClientInfo, Principal
from app.security.tokens import SESSION_COOKIE

PUBLIC = "public"  # route opt key: no authentication


def _in_networks(address: str, networks: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class ClientResolver:
    """The client's IP: ``X-Forwarded-For`` only counts when the peer is a trusted proxy."""

    def __init__(self, trusted_proxies: list[str]) -> None:
        self.networks = [ipaddress.ip_network(proxy, strict=False) for proxy in trusted_proxies]

    def trusts(self, peer: str) -> bool:
        """Whether ``peer`` is one of the trusted proxies."""
        return _in_networks(peer, self.networks)

    def __call__(self, connection: ASGIConnection[Any, Any, Any, Any]) -> ClientInfo:
        peer = connection.client.host if connection.client else None
        address = peer
        if peer and self.networks and _in_networks(peer, self.networks):
            forwarded = connection.headers.get("x-forwarded-for", "")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            # Walk from the nearest hop; the first one that is not our proxy is the client.
            for hop in reversed(hops):
                address = hop
                if not _in_networks(hop, self.networks):
                    break
        user_agent = connection.headers.get("user-agent")
        return ClientInfo(ip_address=address, user_agent=user_agent)


def provide_client(
    request: Request[Any, Any, Any], client_resolver: NamedDependency[ClientResolver]
) -> ClientInfo:
    """The ``client`` dependency: where the request comes from (behind trusted proxies)."""
    return client_resolver(request)


def provide_caller(
    request: Request[Principal, Any, Any], client_resolver: NamedDependency[ClientResolver]
) -> Caller:
    """The ``caller`` dependency of authenticated routes."""
    return Caller(actor=request.user.actor, client=client_resolver(request))


# The declared dependencies a handler takes (app/asgi.py provides them).
Callers = NamedDependency[Caller]
Client = NamedDependency[ClientInfo]


def credentials(
    connection: ASGIConnection[Any, Any, Any, Any], cookie_name: str = SESSION_COOKIE
) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return connection.cookies.get(cookie_name) or None
