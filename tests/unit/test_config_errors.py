"""Settings parsing and the error language choice."""

from __future__ import annotations

from typing import Any

import pytest

from app.config import Settings
from app.error_responses import wants_turkish


class FakeRequest:
    def __init__(self, accept_language: str) -> None:
        self.headers = {"accept-language": accept_language}


@pytest.mark.parametrize(
    ("header", "turkish"),
    [
        ("", False),
        ("tr", True),
        ("tr-TR,tr;q=0.9,en-US;q=0.8", True),
        ("en-US,en;q=0.9,tr;q=0.8", False),
        ("de, tr;q=0.5", True),
        ("tr;q=bad, en", False),
    ],
)
def test_accept_language(header: str, turkish: bool) -> None:
    request: Any = FakeRequest(header)
    assert wants_turkish(request) is turkish


def test_env_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "t" * 32
    monkeypatch.setenv("APP_SERVICE_TOKENS", f"billing:{token}, reports:{token}x")
    monkeypatch.setenv("APP_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2")
    monkeypatch.setenv("APP_PORT", "9000")
    settings = Settings()
    assert settings.service_tokens == {"billing": token, "reports": token + "x"}
    assert settings.trusted_proxies == ["10.0.0.1", "10.0.0.2"]
    assert settings.port == 9000


def test_short_service_tokens_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_SERVICE_TOKENS", "billing:short")
    with pytest.raises(ValueError, match="32 characters"):
        Settings()
