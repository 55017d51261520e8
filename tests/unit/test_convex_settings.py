"""The Convex API's settings: off by default, networks parsed at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_the_convex_api_is_off_and_open_to_no_upstream_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("APP_CONVEX_API_PREFIX", "APP_CONVEX_UPSTREAM_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.convex_api_prefix == ""
    assert settings.convex_upstream_url is None
    assert settings.convex_allowed_networks == []
    assert settings.convex_upstream_max_concurrency >= 1


def test_allowed_networks_are_cidrs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_CONVEX_ALLOWED_NETWORKS", "10.0.0.0/8, 192.168.1.7,2001:db8::/32")
    assert Settings().convex_allowed_networks == [
        "10.0.0.0/8",
        "192.168.1.7/32",
        "2001:db8::/32",
    ]
    monkeypatch.setenv("APP_CONVEX_ALLOWED_NETWORKS", "10.0.0.0/8, not-a-network")
    with pytest.raises(ValidationError):
        Settings()
