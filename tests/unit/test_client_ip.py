"""Which address counts as the client's: X-Forwarded-For only via trusted proxies."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from app.security.requests import ClientResolver, credentials


def connection(peer: str, forwarded: str | None = None, **headers: str) -> Any:
    all_headers = {k.replace("_", "-"): v for k, v in headers.items()}
    if forwarded is not None:
        all_headers["x-forwarded-for"] = forwarded
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers=all_headers, cookies={})


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "expected"),
    [
        ([], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # nobody trusted: header ignored
        (["10.0.0.1"], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # peer is not our proxy
        (["10.0.0.1"], "10.0.0.1", "1.2.3.4", "1.2.3.4"),
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.7", "1.2.3.4"),  # spoofed left
        (["10.0.0.1"], "10.0.0.1", None, "10.0.0.1"),
        (["10.0.0.1"], "10.0.0.1", "not-an-ip", "not-an-ip"),
    ],
)
def test_client_ip(trusted: list[str], peer: str, forwarded: str | None, expected: str) -> None:
    assert ClientResolver(trusted)(connection(peer, forwarded)).ip_address == expected


def test_user_agent_is_kept() -> None:
    info = ClientResolver([])(connection("1.1.1.1", user_agent="Browser/1"))
    assert info.user_agent == "Browser/1"


def test_bearer_wins_over_cookie() -> None:
    conn = connection("1.1.1.1", authorization="Bearer abc")
    conn.cookies = {"auth-session": "cookie-token"}
    assert credentials(conn) == "abc"
    conn.headers = {}
    assert credentials(conn) == "cookie-token"
    conn.cookies = {}
    assert credentials(conn) is None
