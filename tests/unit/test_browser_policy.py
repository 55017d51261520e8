"""The browser rules without a database: settings, origins, content types, docs policy."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.http.browser import BrowserSecurity, is_json
from app.http.docs_policy import docs_policy


def test_cookie_name_follows_the_secure_flag() -> None:
    assert Settings().cookie_name == "__Host-auth-session"
    assert Settings(cookie_secure=False).cookie_name == "auth-session"
    assert Settings(cookie_secure=False, cookie_name="panel").cookie_name == "panel"
    for bad in ({"cookie_secure": False, "cookie_name": "__Host-x"}, {"cookie_name": "a b"}):
        with pytest.raises(ValidationError):
            Settings(**bad)


def test_cors_origins_are_normalized_and_checked() -> None:
    settings = Settings(cors_origins=" https://Panel.Example.org/ ,http://localhost:5173,")
    assert settings.cors_origins == ["https://panel.example.org", "http://localhost:5173"]
    assert Settings(cors_origins="https://a.example:443").cors_origins == ["https://a.example"]
    assert Settings().cors_origins == []
    for bad in ("*", "null", "https://a.example/path", "ftp://a.example", "a.example"):
        with pytest.raises(ValidationError):
            Settings(cors_origins=bad)


@pytest.mark.parametrize(
    ("content_type", "accepted"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ('APPLICATION/JSON;charset="UTF-8"', True),
        ("application/merge-patch+json", True),
        ("application/json; charset=latin-1", False),
        ("application/+json", False),
        ("application/jsonx", False),
        ("text/plain", False),
        ("", False),
    ],
)
def test_is_json(content_type: str, accepted: bool) -> None:
    assert is_json(content_type) is accepted


def _headers(**values: str) -> dict[bytes, list[bytes]]:
    return {name.replace("_", "-").encode(): [value.encode()] for name, value in values.items()}


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({}, True),  # not a browser
        ({"sec_fetch_site": "same-origin"}, True),
        ({"sec_fetch_site": "none"}, True),  # typed by the user
        ({"sec_fetch_site": "same-site", "origin": "https://x.api.example"}, False),
        ({"sec_fetch_site": "cross-site", "origin": "https://evil.example"}, False),
        ({"sec_fetch_site": "same-site", "origin": "https://panel.example"}, True),  # listed
        ({"origin": "https://api.example", "host": "api.example"}, True),
        ({"origin": "https://api.example", "host": "api.example:443"}, True),
        ({"origin": "https://evil.example", "host": "api.example"}, False),
        ({"origin": "null", "host": "api.example"}, False),
        ({"origin": "https://panel.example", "host": "api.example"}, True),  # listed
    ],
)
def test_origin_rule(headers: dict[str, str], allowed: bool) -> None:
    settings = Settings(cors_origins="https://panel.example")
    assert BrowserSecurity(settings, "/schema").origin_allowed(_headers(**headers)) is allowed


def test_docs_policy_allows_the_service_own_files_and_no_other_host() -> None:
    html = (
        b"<html><head><link href='https://cdn.example/ui.css' rel='stylesheet'>"
        b"<link href='/schema/assets/ui.css' rel='stylesheet'>"
        b"<script src='https://cdn.example/ui@1.2/bundle.js' crossorigin></script>"
        b"<script src='//cdn.example/other.js'></script>"
        b"<script src='/local.js'></script>"
        b"<script src='javascript:alert(1)'></script>"
        b"</head><body><script type='text/javascript'>start()</script></body></html>"
    )
    policy = dict(part.split(" ", 1) for part in docs_policy(html).split("; "))
    assert policy["script-src"] == "'self' 'sha256-DIm7WJS6ZKDYe5qFLPy+h4JFI9Bol5QmYC57mt3Fb00='"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert "cdn.example" not in docs_policy(html)
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"
