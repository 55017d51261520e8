"""The container builds an object on first use: a management command builds
only what it touches."""

from __future__ import annotations

from app.config import Settings
from app.container import Container


def test_revoking_a_token_builds_no_password_hasher() -> None:
    container = Container(Settings(mongodb_url="mongodb://127.0.0.1:1/"))
    assert container.service_tokens is container.service_tokens
    built = set(vars(container))
    assert "service_tokens" in built
    assert not built & {"passwords", "credentials", "sessions", "users", "authenticator"}
    assert "users_repository" in built  # plain objects, built at once


def test_the_app_graph_shares_one_of_each() -> None:
    container = Container(Settings(mongodb_url="mongodb://127.0.0.1:1/"))
    assert container.users.passwords is container.passwords is container.credentials.passwords
    assert container.users.sessions is container.sessions
    assert container.authenticator.sessions is container.sessions
    assert container.sessions.users is container.users_repository is container.users.users
